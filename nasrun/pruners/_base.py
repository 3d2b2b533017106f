"""What a pruner may tell beside its decision, for the trial's record."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import optuna
from optuna.trial import FrozenTrial


@runtime_checkable
class ExplainsDecisions(Protocol):
    """A pruner that can say what its decision on ``trial`` rests on (e.g. a predicted final
    value): an estimator consulting it records these metrics with the trial's result."""

    def metrics(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, float]: ...
