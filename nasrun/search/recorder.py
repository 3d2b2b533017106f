"""The one place a trial's record is written, and where a search tells the console its progress.

Every search (Optuna samplers, one-shot searchers) leaves its trials through this class, so the
columns of ``trials.csv``, the dashboard's attributes and the progress display are the same for
all of them.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import optuna
from optuna.trial import FrozenTrial

from nasrun.budget import Budget, finished, spent
from nasrun.console import ProgressLog, RunProgress, progress_display
from nasrun.search.trial_writes import drawn_together, set_user_attrs

if TYPE_CHECKING:
    from nasrun.estimators import Result
    from nasrun.objectives import SearchObjective
    from nasrun.spaces import Arch, SearchSpace
    from nasrun.training import EpochStats

log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
#: Result fields -> the user attribute each is recorded as (the metrics are recorded beside
#: them). ``n_params``: "params" would sit beside Optuna's own ``params_*`` columns in
#: ``study.trials_dataframe()``; trials.csv calls it ``params``.
RESULT_FIELDS = {
    "test_value": "test_value",
    "params": "n_params",
    "flops": "flops",
    "cost_s": "cost_s",
    "fidelity": "fidelity",
}


class Recorder:
    """Writes each trial's user attributes from its :class:`Result`; drives the progress bars."""

    def __init__(
        self,
        space: SearchSpace,
        objective: str,
        run_dir: Path,
        verbose: bool = True,
        worker_index: int = 0,
        budget: Budget | None = None,
        trackers: list | None = None,
        progress_log: ProgressLog | None = None,
    ) -> None:
        self.space = space
        # Which of the workers on one study this is (0: the first); searches seed by it.
        self.worker_index = worker_index
        self.run_dir = Path(run_dir)  # where a search writes files of its own (alphas.csv)
        self.objective = objective
        self.verbose = verbose
        self.progress = RunProgress(None, objective, enabled=False)
        # What ends the run, so that progress counts toward it (simulated seconds, trials, ...).
        self.budget, self.progress_log = budget, progress_log
        # Live trackers (callbacks=[mlflow,tensorboard]): told each finished trial and epoch.
        self.trackers = list(trackers or [])
        self.trial_number: int | None = None
        self._started = time.monotonic()
        self._counting = True  # toward the budget; False: a one-shot search's own epochs
        # What the study is told (nasrun.objectives); None: the estimator's value as it is.
        self.goal: SearchObjective | None = None

    @contextmanager
    def showing(
        self, study: optuna.Study, total: int | None = None, done: int | None = None
    ) -> Iterator[None]:
        """Progress toward ``total`` steps (a one-shot search's epochs), or by default toward
        the run's budget: the limit that ends it (simulated seconds, else trials, else seconds)."""
        self._counting = total is None
        unit, total = (self._unit(), self._total()) if total is None else ("epochs", total)
        self.progress = progress_display(
            total, self.objective, self.verbose, unit, self.progress_log
        )
        with self.progress:
            self.progress.start(self._done(study) if done is None else done)
            yield

    def started(self, trial: optuna.Trial) -> None:
        with self.drawing(trial):
            pass

    @contextmanager
    def drawing(self, trial: optuna.Trial) -> Iterator[None]:
        """A trial starts: the parameters the block draws on it are written together with the
        worker that runs it, in one transaction (:mod:`nasrun.search.trial_writes`)."""
        self.trial_number = trial.number
        self.progress.trial_started(trial.number)
        with drawn_together(trial, {"worker": WORKER}):
            yield

    def record(self, trial: optuna.Trial, arch: Arch, result: Result) -> float | list[float]:
        """Writes ``arch`` and ``result`` on ``trial``; returns the objective value(s) to tell
        (several for a multi-objective study, each also recorded under its name)."""
        attrs = {"arch": self.space.to_string(arch), **result.metrics}
        for field, key in RESULT_FIELDS.items():
            value = getattr(result, field)
            if value is not None:
                attrs[key] = value
        told: float | list[float] = result.value
        try:
            if self.goal is not None:  # may prune the trial (objective=constraint)
                told, recorded = self.goal.tell(arch, result)
                attrs.update(recorded)
        finally:  # what was measured is kept either way
            set_user_attrs(trial, attrs)
        return told

    def failed(self, trial: optuna.Trial, error: BaseException) -> None:
        """Says on the trial why it failed, so ``trials.csv`` has the reason."""
        trial.set_user_attr("fail_reason", f"{type(error).__name__}: {error}"[:500])

    def epoch_done(self, stats: EpochStats, total: int | None = None) -> None:
        self.progress.epoch_done(stats, total)
        for tracker in self.trackers:
            tracker.epoch_done(self.trial_number, stats)

    def finished(
        self, study: optuna.Study, trial: FrozenTrial, trials: list[FrozenTrial] | None = None
    ) -> None:
        """Tells the trackers and the progress display; ``trials``: the study's trials now, when
        the caller has them (one storage read per trial serves the budget and the display)."""
        values = trial.values[0] if trial.values and len(trial.values) == 1 else trial.values
        log.info(
            "trial %d %s: %s, arch %s",
            trial.number,
            trial.state.name.lower(),
            values,
            trial.user_attrs.get("arch"),
        )  # in place of Optuna's line (optuna_search.py)
        for tracker in self.trackers:
            tracker.trial_finished(study, trial)
        done = self._done(study, trials)
        if self.goal is not None and self.goal.multi:  # no one best value to show
            self.progress.advance(done)
            return
        self.progress.trial_finished(study, trial, done)

    def say(self, message: str) -> None:
        if self.verbose:
            self.progress.say(message)

    def close(self) -> None:
        """Ends the trackers' runs (the study's record is complete without them)."""
        for tracker in self.trackers:
            tracker.close()

    def _unit(self) -> str:
        budget = self.budget or Budget()
        if budget.cost_s is not None:
            return "simulated s"
        return "trials" if budget.trials is not None or budget.seconds is None else "s"

    def _total(self) -> float | None:
        budget = self.budget or Budget()
        return {"simulated s": budget.cost_s, "trials": budget.trials, "s": budget.seconds}[
            self._unit()
        ]

    def _done(self, study: optuna.Study, trials: list[FrozenTrial] | None = None) -> float:
        unit = self._unit() if self._counting else "trials"  # a one-shot search: its epochs
        if unit == "s":
            return time.monotonic() - self._started
        trials = study.get_trials(deepcopy=False) if trials is None else trials
        return spent(trials) if unit == "simulated s" else finished(trials)
