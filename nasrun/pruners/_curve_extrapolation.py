"""Early termination by learning-curve extrapolation, as an Optuna pruner."""

from __future__ import annotations

import functools

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial

from nasrun.pruners._curve_models import Prediction, extrapolate


class CurveExtrapolationPruner(BasePruner):
    """Stops a trial whose extrapolated final value is unlikely to beat the best so far.

    Domhan, Springenberg & Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep
    Neural Networks by Extrapolation of Learning Curves" (IJCAI 2015): after each epoch, fit an
    ensemble of parametric curves to the validation curve so far, predict the value at
    ``max_resource``, and stop when P(final > best complete trial) < ``threshold``.
    ``noise_floor`` is the smallest epoch-to-epoch noise assumed in a validation accuracy (see
    ``extrapolate``). Intermediate values must be reported at steps 1, 2, ... (epochs) and be
    accuracies in [0, 1]; maximisation only.

    Usable as a study's pruner (``search.pruner``) or as an estimator's ``stopper``, which
    consults it beside the search's own pruner and records :meth:`metrics` with the trial.
    """

    def __init__(
        self,
        max_resource: int,
        min_resource: int = 3,
        threshold: float = 0.05,
        noise_floor: float = 0.005,
    ) -> None:
        if not 1 <= min_resource < max_resource:
            raise ValueError("need 1 <= min_resource < max_resource (epochs)")
        if not 0 < threshold < 1:
            raise ValueError("threshold must be a probability in (0, 1)")
        self.max_resource = max_resource
        self.min_resource = min_resource
        self.threshold = threshold
        self.noise_floor = noise_floor

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        judged = self._judge(study, trial)
        return judged is not None and judged[0].probability_above(judged[1]) < self.threshold

    def metrics(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, float]:
        """``predicted_final`` and ``predicted_std`` at ``max_resource``, once it may decide."""
        judged = self._judge(study, trial)
        if judged is None:
            return {}
        return {"predicted_final": judged[0].mean, "predicted_std": judged[0].std}

    def _judge(self, study: optuna.Study, trial: FrozenTrial) -> tuple[Prediction, float] | None:
        """(prediction, best value) when a decision is due; None before ``min_resource``, at
        ``max_resource`` (stopping then saves nothing) or before any trial completed."""
        if study.direction != optuna.study.StudyDirection.MAXIMIZE:
            raise ValueError("CurveExtrapolationPruner extrapolates accuracies: maximise")
        curve = tuple(sorted(trial.intermediate_values.items()))
        last = curve[-1][0] if curve else 0
        if last < self.min_resource or last >= self.max_resource:
            return None
        try:
            best = study.best_value
        except ValueError:  # no complete trial yet: nothing to compare against
            return None
        return _predict(curve, self.max_resource, self.noise_floor), best


# prune() and metrics() ask about the same curve after each epoch: fit it once.
@functools.lru_cache(maxsize=64)
def _predict(curve: tuple[tuple[int, float], ...], target: int, noise_floor: float) -> Prediction:
    epochs, values = zip(*curve, strict=True)
    return extrapolate(epochs, values, target, noise_floor)
