"""The console lines that say where a run's record goes: its study (new, or resumed with how
many trials), its storage, its run folder, and how to browse the study."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optuna.trial import TrialState

if TYPE_CHECKING:
    from nasrun.experiment import Experiment

#: Trials a run finds from before it (an enqueued, not yet started trial is not one).
_EARLIER = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)


def start_line(experiment: Experiment) -> str:
    """``new study ...`` or ``resuming study ... (N trials so far)``, and its storage."""
    study, storage = experiment.study, experiment.info["storage"]
    earlier = study.get_trials(deepcopy=False, states=_EARLIER)
    if not earlier:
        return f"nasrun: new study {study.study_name} in {storage}"
    complete = sum(t.state == TrialState.COMPLETE for t in earlier)
    return (
        f"nasrun: resuming study {study.study_name} in {storage}: "
        f"{len(earlier)} trial{'s' * (len(earlier) != 1)} so far ({complete} complete)"
    )


def end_line(experiment: Experiment) -> str:
    """Where the tables are, and the command that browses the study."""
    storage = str(experiment.info["storage"])
    line = f"nasrun: results in {experiment.recorder.run_dir}/ (summary.md, trials.csv)"
    if storage == "memory":  # the study ends with this process: the tables are the record
        return line
    # optuna-dashboard takes a journal file by its path, any other storage by its URL.
    target = storage.removeprefix("journal://") if storage.startswith("journal:") else storage
    return f"{line}; browse the study: optuna-dashboard {target}"
