"""The console lines that say where a run's record goes: its study (new, or resumed with how
many trials), its storage, its run folder, and how to browse the study."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from optuna.trial import TrialState

from nasrun import console
from nasrun.export import BEST_ARCH

if TYPE_CHECKING:
    from nasrun.experiment import Experiment

#: Trials a run finds from before it (an enqueued, not yet started trial is not one).
_EARLIER = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)


def start_line(experiment: Experiment) -> str:
    """``new study ...`` or ``resuming study ... (N trials so far)``, and its storage."""
    study, storage = experiment.study, experiment.info["storage"]
    earlier = study.get_trials(deepcopy=False, states=_EARLIER)
    if not earlier:
        return f"{console.job_label}nasrun: new study {study.study_name} in {storage}"
    complete = sum(t.state == TrialState.COMPLETE for t in earlier)
    return (
        f"{console.job_label}nasrun: resuming study {study.study_name} in {storage}: "
        f"{len(earlier)} trial{'s' * (len(earlier) != 1)} so far ({complete} complete)"
    )


def end_line(experiment: Experiment) -> str:
    """What the run made: its folder, study, storage and best trial, and the commands that
    open the study in optuna-dashboard and the ``optuna`` CLI and retrain the best network."""
    study, run_dir = experiment.study, experiment.recorder.run_dir
    storage = str(experiment.info["storage"])  # already the form the dashboard reads
    made = ("summary.md", "trials.csv", BEST_ARCH, "pareto/", "model/")
    files = ", ".join(f for f in made if (run_dir / f).exists())
    label = console.job_label  # set when the run starts (a sweep's job)
    lines = [f"{label}nasrun: results in {run_dir}/ ({files or 'nothing written'})"]
    rows = {"study": study.study_name, "storage": storage, "best": _best(study)}
    if storage != "memory":  # the study ends with this process: the tables are the record
        rows["dashboard"] = f"optuna-dashboard {shlex.quote(storage)}"
        rows["optuna CLI"] = (
            f"optuna trials --storage {shlex.quote(storage)} "
            f"--study-name {shlex.quote(study.study_name)}"
        )
    if (run_dir / BEST_ARCH).exists():
        rows["retrain"] = f"nasrun-train arch={shlex.quote(str(run_dir / BEST_ARCH))}"
    elif (run_dir / "pareto").is_dir():  # a multi-objective run: one file per front member
        rows["retrain"] = (
            f"nasrun-train arch={shlex.quote(str(run_dir / 'pareto'))}/arch_<trial>.json"
        )
    width = max(map(len, rows))
    lines += [f"{label}  {key:<{width}}  {value}" for key, value in rows.items() if value]
    return "\n".join(lines)


def _best(study) -> str:
    """``trial 12: valid_acc 0.9312``; empty when there is none (or several: a Pareto set)."""
    if len(study.directions) != 1:
        return ""
    try:
        best = study.best_trial
    except ValueError:
        return "no complete trial"
    name = (study.metric_names or ["value"])[0]
    return f"trial {best.number}: {name} {best.value:.4f}  {best.user_attrs.get('arch', '')}"
