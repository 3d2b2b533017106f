"""The one place a trial's record is written, and where a search tells the console its progress.

Every search (Optuna samplers, one-shot searchers) leaves its trials through this class, so the
columns of ``trials.csv``, the dashboard's attributes and the progress display are the same for
all of them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import optuna

from nasrun.budget import finished
from nasrun.console import RunProgress

if TYPE_CHECKING:
    from nasrun.estimators import Result
    from nasrun.spaces import Arch, SearchSpace
    from nasrun.training import EpochStats

WORKER = f"{socket.gethostname()}:{os.getpid()}"
#: Result fields recorded under their own name (the metrics are recorded beside them).
RESULT_FIELDS = ("test_value", "params", "flops", "cost_s", "fidelity")


class Recorder:
    """Writes each trial's user attributes from its :class:`Result`; drives the progress bars."""

    def __init__(
        self,
        space: SearchSpace,
        objective: str,
        run_dir: Path,
        verbose: bool = True,
        worker_index: int = 0,
    ) -> None:
        self.space = space
        # Which of the workers on one study this is (0: the first); searches seed by it.
        self.worker_index = worker_index
        self.run_dir = Path(run_dir)  # where a search writes files of its own (alphas.csv)
        self.objective = objective
        self.verbose = verbose
        self.progress = RunProgress(None, objective, enabled=False)

    @contextmanager
    def showing(self, study: optuna.Study, total: int | None, done: int) -> Iterator[None]:
        """Progress bars for ``total`` steps (trials, or a one-shot search's epochs)."""
        self.progress = RunProgress(total, self.objective, enabled=self.verbose)
        with self.progress:
            self.progress.start(done)
            yield

    def started(self, trial: optuna.Trial) -> None:
        trial.set_user_attr("worker", WORKER)
        self.progress.trial_started(trial.number)

    def record(self, trial: optuna.Trial, arch: Arch, result: Result) -> float:
        """Writes ``arch`` and ``result`` on ``trial``; returns the objective value to tell."""
        trial.set_user_attr("arch", self.space.to_string(arch))
        for key, value in result.metrics.items():
            trial.set_user_attr(key, value)
        for key in RESULT_FIELDS:
            value = getattr(result, key)
            if value is not None:
                trial.set_user_attr(key, value)
        return result.value

    def failed(self, trial: optuna.Trial, error: BaseException) -> None:
        """Says on the trial why it failed, so ``trials.csv`` has the reason."""
        trial.set_user_attr("fail_reason", f"{type(error).__name__}: {error}"[:500])

    def epoch_done(self, stats: EpochStats, total: int | None = None) -> None:
        self.progress.epoch_done(stats, total)

    def finished(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self.progress.trial_finished(study, trial, finished(study))

    def say(self, message: str) -> None:
        if self.verbose:
            self.progress.progress.console.print(message)
