"""When a search stops: the ``budget`` keys of every run, defined once (also the typed schema)."""

from __future__ import annotations

import bisect
import datetime
import enum
import math
from dataclasses import dataclass

import optuna
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.trial import FrozenTrial, TrialState

from nasrun.errors import NasrunError

COMPLETE = TrialState.COMPLETE
FINISHED = (COMPLETE, TrialState.PRUNED)
#: Trials that hold a place in the budget: every state but FAIL (a failed trial frees its place).
CLAIMS = (TrialState.WAITING, TrialState.RUNNING, *FINISHED)
#: How long a dead worker's failed trial keeps its place for the re-run Optuna queues after
#: failing it (a moment later; generous, for clocks of different nodes that differ a little).
RERUN_DUE_S = 60.0


class Turn(enum.Enum):
    """What a worker may do next on a shared study (see :meth:`Budget.turn`)."""

    START = "start"  # a place in the budget is free, or an admitted trial waits for a worker
    WAIT = "wait"  # every place is taken, but a running trial may still fail and free one
    DONE = "done"  # the budget is reached


@dataclass
class Budget:
    """``trials`` finished trials in the study, ``seconds`` of this run's wall clock, and/or
    ``cost_s``: the summed ``cost_s`` of the study's complete trials (e.g. NAS-Bench-201's
    simulated training seconds). The trial that crosses a limit is kept."""

    trials: int | None = None
    seconds: float | None = None
    cost_s: float | None = None
    max_consecutive_failures: int = 10

    def check(self) -> Budget:
        """Raises :class:`NasrunError` when no limit is set or one is not positive."""
        limits = {"trials": self.trials, "seconds": self.seconds, "cost_s": self.cost_s}
        if all(v is None for v in limits.values()):
            raise NasrunError("give budget.trials, budget.seconds or budget.cost_s")
        for key, value in limits.items():
            if value is not None and value <= 0:
                raise NasrunError(f"budget.{key} must be positive, got {value}")
        if self.max_consecutive_failures < 1:
            raise NasrunError(
                "budget.max_consecutive_failures must be at least 1, "
                f"got {self.max_consecutive_failures}"
            )
        return self

    @property
    def failure_limit(self) -> int:
        """Failures in a row that end a run: ``max_consecutive_failures``, but never more than
        the trial budget (a run of ``trials=2`` in which every trial fails stops after 2)."""
        return min(self.max_consecutive_failures, self.trials or self.max_consecutive_failures)

    def reached(self, study: optuna.Study, trials: list[FrozenTrial] | None = None) -> bool:
        """Whether the study holds enough trials, or has spent enough cost, to stop.
        ``trials``: the study's trials, when the caller has just read them."""
        if self.trials is None and self.cost_s is None:
            return False
        trials = study.get_trials(deepcopy=False) if trials is None else trials
        if self.trials is not None and finished(trials) >= self.trials:
            return True
        return self.cost_s is not None and spent(trials) >= self.cost_s

    def turn(self, study: optuna.Study, trials: list[FrozenTrial] | None = None) -> Turn:
        """Whether this worker may start a trial, must wait, or is done.

        Many workers share one budget of ``trials`` places. The trials that hold them are the
        first ``trials`` of :func:`claims`, waiting ones included, so that every worker agrees
        on them without a lock; a trial beyond them is never run (:meth:`admits`).
        """
        if self.trials is None and self.cost_s is None:
            return Turn.START  # only the run's wall clock, which the caller keeps
        trials = study.get_trials(deepcopy=False) if trials is None else trials
        if self.reached(study, trials):
            return Turn.DONE
        if self.trials is None:
            return Turn.START
        admitted = claims(study, trials)[: self.trials]
        if len(admitted) < self.trials or any(t.state == TrialState.WAITING for t in admitted):
            return Turn.START
        return Turn.WAIT

    def admits(self, study: optuna.Study, number: int) -> bool:
        """Whether trial ``number``, just started, holds one of the budget's places.

        Two workers can both see one free place and start a trial each; the later trial
        (higher number) sees the earlier one here and steps back. Claims only ever leave the
        set by failing, so a trial admitted once stays within the budget.
        """
        if self.trials is None or number < self.trials:
            return True  # a trial's place is at most its number, and places are distinct
        held = claims(study)
        places = [place(t) for t in held]  # ascending: claims are sorted by place
        own = next((p for p, t in zip(places, held, strict=True) if t.number == number), number)
        return bisect.bisect_left(places, own) < self.trials


def claims(study: optuna.Study, trials: list[FrozenTrial] | None = None) -> list[FrozenTrial]:
    """The trials that hold a place in the budget, in order of :func:`place`: every trial but
    failed ones, and a failed one whose re-run is about to be queued.

    Optuna fails a dead worker's trial first and queues its re-run a moment later; a worker
    that counted the place as free in between would start a fresh trial there, and the re-run
    would then overshoot the budget (or, ranked last, never run). So a trial failed from outside
    (no ``fail_reason``: its process died) keeps its place while re-runs are left for it.
    """
    trials = study.get_trials(deepcopy=False) if trials is None else trials
    retries = _stale_retries(study)
    ranked = [(place(t), t) for t in trials]  # place() once per trial: this runs every turn
    latest = {rank: t.number for rank, t in ranked}  # trials come in number order
    held = [
        (rank, t)
        for rank, t in ranked
        if t.state in CLAIMS or (latest[rank] == t.number and _rerun_due(t, retries))
    ]
    held.sort(key=lambda pair: pair[0])
    return [t for _, t in held]


def place(trial: FrozenTrial) -> int:
    """A trial's rank in the budget: its number, or for the re-run of a trial that was failed
    (its worker died), the number of the first trial of those parameters. The re-run takes the
    place its original held, so fresh trials started meanwhile cannot crowd it out of the
    budget and leave it never run."""
    return trial.system_attrs.get("failed_trial", trial.number)


def _rerun_due(trial: FrozenTrial, retries: float) -> bool:
    """Whether ``trial`` died with its worker and the storage will queue it again."""
    if trial.state != TrialState.FAIL or "fail_reason" in trial.user_attrs:
        return False  # not failed, or failed in its own process (nasrun's objective says why)
    if len(trial.system_attrs.get("retry_history", [])) >= retries:
        return False
    # The re-run follows within a moment; should the failing worker die in that moment, the
    # place is given up after a while rather than held for a re-run that will never come.
    failed_at = trial.datetime_complete or datetime.datetime.now()
    return (datetime.datetime.now() - failed_at).total_seconds() < RERUN_DUE_S


def _stale_retries(study: optuna.Study) -> float:
    """How often the storage re-queues a dead worker's trial (0 without heartbeats)."""
    storage = study._storage  # Optuna has no public accessor; its own callbacks use this one
    if not isinstance(storage, BaseHeartbeat) or storage.get_heartbeat_interval() is None:
        return 0
    callback = storage.get_heartbeat_stale_trial_callback()
    if not isinstance(callback, RetryHeartbeatStaleTrialCallback):
        return 0
    limit = callback._max_retry  # set by nasrun.study from heartbeat.max_retry
    return math.inf if limit is None else limit


def finished(trials: list[FrozenTrial]) -> int:
    """Trials that used their evaluation budget: complete ones and pruned ones."""
    return sum(t.state in FINISHED for t in trials)


def spent(trials: list[FrozenTrial]) -> float:
    """The summed ``cost_s`` of the complete trials (e.g. NAS-Bench-201's simulated seconds)."""
    return sum(t.user_attrs.get("cost_s", 0.0) or 0.0 for t in trials if t.state == COMPLETE)
