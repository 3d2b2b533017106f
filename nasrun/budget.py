"""When a search stops: the ``budget`` keys of every run, defined once (also the typed schema)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from nasrun.errors import NasrunError

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Trials that hold a place in the budget: every state but FAIL (a failed trial frees its place).
CLAIMS = (TrialState.WAITING, TrialState.RUNNING, *FINISHED)


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

    def reached(self, study: optuna.Study) -> bool:
        """Whether the study holds enough trials, or has spent enough cost, to stop."""
        if self.trials is not None and finished(study) >= self.trials:
            return True
        if self.cost_s is None:
            return False
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        return sum(t.user_attrs.get("cost_s", 0.0) for t in complete) >= self.cost_s

    def turn(self, study: optuna.Study) -> Turn:
        """Whether this worker may start a trial, must wait, or is done.

        Many workers share one budget of ``trials`` places. The trials that hold them are the
        first ``trials`` non-failed trials in creation order (trial numbers are handed out one
        at a time by the storage), waiting ones included, so that every worker agrees on them
        without a lock; a trial beyond them is never run (:meth:`admits`).
        """
        if self.reached(study):
            return Turn.DONE
        if self.trials is None:
            return Turn.START
        admitted = study.get_trials(deepcopy=False, states=CLAIMS)[: self.trials]
        if len(admitted) < self.trials or any(t.state == TrialState.WAITING for t in admitted):
            return Turn.START
        return Turn.WAIT

    def admits(self, study: optuna.Study, number: int) -> bool:
        """Whether trial ``number``, just started, holds one of the budget's places.

        Two workers can both see one free place and start a trial each; the later trial
        (higher number) sees the earlier one here and steps back. Claims only ever leave the
        set by failing, so a trial admitted once stays within the budget.
        """
        if self.trials is None:
            return True
        claims = study.get_trials(deepcopy=False, states=CLAIMS)
        return sum(t.number < number for t in claims) < self.trials


def finished(study: optuna.Study) -> int:
    """Trials that used their evaluation budget: complete ones and pruned ones."""
    return len(study.get_trials(deepcopy=False, states=FINISHED))
