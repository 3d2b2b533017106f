"""``+search.final_train=true``: the search's answer trained from scratch, as ``nasrun-train``
would train it, into ``<run dir>/final_train/`` (its own study, the same results contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optuna.trial import TrialState

from nasrun.cli.train_args import override_value, train_arguments
from nasrun.errors import NasrunError

if TYPE_CHECKING:
    from nasrun.experiment import Experiment

#: Overrides of the search run that do not describe the network, its data or its training.
SEARCH_ONLY = ("search", "estimator", "budget", "study", "hpo", "arch", "hydra")


def train_final(search: Experiment, overrides: list[str]) -> dict[str, Any]:
    """Trains the search's answer, the architecture of its last complete trial (a one-shot
    search's final derivation), with the search run's other overrides."""
    from nasrun.config import compose
    from nasrun.experiment import Experiment

    complete = search.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise NasrunError("search.final_train: the search recorded no architecture")
    kept = [o for o in overrides if not o.lstrip("+~").startswith(SEARCH_ONLY)]
    arch, study = complete[-1].user_attrs["arch"], f"{search.study.study_name}-final"
    run_dir = search.recorder.run_dir / "final_train"
    save = {"_target_": "nasrun.export.SaveTrained", "out_dir": str(run_dir / "model")}
    arguments = [f"arch={arch}", f"study={study}", f"estimator.initializer={override_value(save)}"]
    cfg = compose(*train_arguments([*arguments, *kept]), "search=random")
    return Experiment.from_config(cfg, run_dir).run()
