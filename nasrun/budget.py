"""When a search stops: the ``budget`` keys of every run, defined once (also the typed schema)."""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from nasrun.errors import NasrunError

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


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
        return self

    def reached(self, study: optuna.Study) -> bool:
        """Whether the study holds enough trials, or has spent enough cost, to stop."""
        if self.trials is not None and finished(study) >= self.trials:
            return True
        if self.cost_s is None:
            return False
        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        return sum(t.user_attrs.get("cost_s", 0.0) for t in complete) >= self.cost_s


def finished(study: optuna.Study) -> int:
    """Trials that used their evaluation budget: complete ones and pruned ones."""
    return len(study.get_trials(deepcopy=False, states=FINISHED))
