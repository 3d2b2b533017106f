"""The tracker interface: what the recorder tells a live tracker, and a trial as numbers."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import optuna

    from nasrun.training import EpochStats


class Tracker(ABC):
    """Told by the recorder of every finished trial and every epoch a trainer finishes (with
    the number of the trial in training); closed at the end of the run."""

    def epoch_done(self, trial_number: int | None, stats: EpochStats) -> None:
        return None  # a tracker of trials only

    @abstractmethod
    def trial_finished(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Called once per finished trial (complete, pruned or failed)."""

    def close(self) -> None:
        return None


def trial_metrics(trial: optuna.trial.FrozenTrial) -> dict[str, float]:
    """A trial's numbers, as a tracker charts them: its value(s) and every numeric user
    attribute (test_value, n_params, flops, cost_s, train_loss, ...); text stays out."""
    metrics: dict[str, float] = {}
    if trial.values is not None:
        values = trial.values
        metrics |= (
            {"value": values[0]}
            if len(values) == 1
            else {f"value_{i}": v for i, v in enumerate(values)}
        )
    for key, value in trial.user_attrs.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            metrics[key] = float(value)
    return {k: v for k, v in metrics.items() if math.isfinite(v)}


def trial_params(trial: optuna.trial.FrozenTrial) -> dict[str, str]:
    """What a trial tried, as a tracker's parameters: its architecture and decisions."""
    params = {k: str(v) for k, v in trial.params.items()}
    for key in ("arch", "fidelity"):
        if key in trial.user_attrs:
            params[key] = str(trial.user_attrs[key])
    return params
