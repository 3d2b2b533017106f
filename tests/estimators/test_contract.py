"""The estimator contract, run over every configs/estimator/*.yaml: a new estimator is tested by
adding its YAML (and, if a tiny run needs them, a line in ``EXTRA`` / ``NEEDS``).

Each estimator composes as the CLI composes it, is built with a tiny space, data set and trainer,
and evaluates an architecture in a real Optuna trial: it returns a :class:`Result` (a finite
value, costs, a fidelity), applies the training settings it declares tunable, is reproducible
from its seed, and writes nothing on the trial itself (every finding flows through the Result).
"""

from __future__ import annotations

import math
import random

import optuna
import pytest

from nasrun.config import CONFIG_DIR, compose, instantiate
from nasrun.estimators import Pruned, Result
from nasrun.training import resolve_device
from tests.conftest import NB201_DIR

ESTIMATORS = sorted(path.stem for path in (CONFIG_DIR / "estimator").glob("*.yaml"))
#: Per estimator, overrides a tiny run needs beyond ``TINY_*`` (none by default).
EXTRA: dict[str, list[str]] = {
    "tabular": ["space=nb201"],
    "one_shot": ["estimator.epochs=1"],
}
#: Per estimator, a fixture it needs (the test skips where the fixture does).
NEEDS: dict[str, str] = {"tabular": "nb201_dir"}

TINY_SPACE = [
    "space=chain",
    "space.num_layers=2",
    "space.num_filters=[8]",
    "space.filter_sizes=[1,3]",
]
TINY_DATA = [
    "dataset=synthetic",
    "dataset.num_classes=4",
    "dataset.image_size=8",
    "dataset.num_examples=120",
    "trainer.batch_size=32",
    "device=cpu",
    f"data_dir={NB201_DIR}",
]
#: Settings an estimator may declare tunable, with the value this suite trains with.
HYPERPARAMETERS = {
    "lr": 0.01,
    "weight_decay": 1e-4,
    "batch_size": 16,
    "optimizer": "adam",
    "momentum": 0.9,
    "epochs": 1,
}


class PruneAll(optuna.pruners.BasePruner):
    def prune(self, study, trial) -> bool:
        return True


@pytest.fixture(params=ESTIMATORS)
def make(request):
    """``make()``: a fresh (space, estimator) of the YAML, built the way the CLI builds it."""
    name = request.param
    if name in NEEDS:
        request.getfixturevalue(NEEDS[name])
    extra = EXTRA.get(name, [])
    space_given = any(override.startswith("space=") for override in extra)
    cfg = compose(f"estimator={name}", *([] if space_given else TINY_SPACE), *TINY_DATA, *extra)

    def build():
        space = instantiate(cfg.space, "space")
        dataset = instantiate(cfg.dataset, "dataset", device=resolve_device(cfg.device))
        trainer = instantiate(cfg.trainer, "trainer")
        estimator = instantiate(
            cfg.estimator,
            "estimator",
            space=space,
            dataset=dataset,
            trainer=trainer,
            seed=int(cfg.seed),
        )
        estimator.check_space(space)
        return space, estimator

    return build


def _evaluate(space, estimator, pruner=None, hyperparameters=None):
    study = optuna.create_study(direction=estimator.objective.direction, pruner=pruner)
    trial = study.ask()
    arch = space.sample(random.Random(0))
    try:
        outcome = estimator.evaluate(arch, trial, hyperparameters)
    except optuna.TrialPruned as pruned:
        outcome = pruned
    # The estimator reports through its Result only: the record is the search's to write.
    assert trial.user_attrs == {}
    return outcome


def _check(result: Result) -> None:
    assert isinstance(result, Result)
    assert math.isfinite(result.value)
    assert result.params > 0 and result.flops > 0
    assert result.cost_s >= 0 and isinstance(result.fidelity, str) and result.fidelity
    assert all(isinstance(key, str) for key in result.metrics)


def test_evaluate_returns_a_result_and_writes_nothing_on_the_trial(make):
    result = _evaluate(*make())
    _check(result)
    assert result.test_value is None or math.isfinite(result.test_value)


def test_a_pruned_evaluation_keeps_what_it_measured(make):
    outcome = _evaluate(*make(), pruner=PruneAll())
    # An estimator that reports no curve cannot be pruned and returns its result.
    if isinstance(outcome, optuna.TrialPruned):
        assert isinstance(outcome, Pruned), "raise Pruned(result) to keep the measurements"
        outcome = outcome.result
    _check(outcome)


def test_the_same_seed_scores_the_same(make):
    first, second = _evaluate(*make()), _evaluate(*make())
    assert (first.value, first.test_value, first.fidelity) == (
        second.value,
        second.test_value,
        second.fidelity,
    )


def test_tunable_training_settings_are_applied(make):
    space, estimator = make()
    tunable = {k: v for k, v in HYPERPARAMETERS.items() if k in estimator.tunable}
    assert set(estimator.tunable) <= set(HYPERPARAMETERS), "a tunable setting this suite lacks"
    if not tunable:
        pytest.skip(f"{estimator.name} trains nothing hpo could tune")
    result = _evaluate(space, estimator, hyperparameters=tunable)
    _check(result)
    if "epochs" in tunable:
        assert result.fidelity.startswith("epochs=1")
