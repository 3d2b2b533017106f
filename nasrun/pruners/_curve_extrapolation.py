"""Early termination by learning-curve extrapolation, as an Optuna pruner."""

from __future__ import annotations

import optuna
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial

from nasrun.pruners._curve_models import Prediction, extrapolate


class CurveExtrapolationPruner(BasePruner):
    """Stops a trial whose extrapolated final value is unlikely to beat the best so far.

    Domhan, Springenberg & Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep
    Neural Networks by Extrapolation of Learning Curves" (IJCAI 2015): after each epoch, fit an
    ensemble of parametric curves to the validation curve so far, predict the value at
    ``max_resource``, and stop when P(final > best) < ``threshold``. ``noise_floor`` is the
    smallest epoch-to-epoch noise assumed in a validation accuracy (see ``extrapolate``). Intermediate values must be
    reported at steps 1, 2, ... (epochs) and be accuracies in [0, 1]; maximisation only.
    """

    def __init__(
        self,
        max_resource: int,
        min_resource: int = 3,
        threshold: float = 0.05,
        noise_floor: float = 0.005,
    ) -> None:
        if not 1 <= min_resource <= max_resource:
            raise ValueError("need 1 <= min_resource <= max_resource")
        self.max_resource = max_resource
        self.min_resource = min_resource
        self.threshold = threshold
        self.noise_floor = noise_floor

    def predict(self, curve: dict[int, float]) -> Prediction:
        epochs = sorted(curve)
        return extrapolate(epochs, [curve[e] for e in epochs], self.max_resource, self.noise_floor)

    def decide(self, curve: dict[int, float], best: float | None) -> tuple[bool, Prediction | None]:
        """(stop?, prediction): the pruner's rule on a plain curve, for callers without a study."""
        last = max(curve, default=0)
        if best is None or last < self.min_resource or last >= self.max_resource:
            return False, None
        prediction = self.predict(curve)
        return prediction.probability_above(best) < self.threshold, prediction

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        if study.direction != optuna.study.StudyDirection.MAXIMIZE:
            raise ValueError("CurveExtrapolationPruner extrapolates accuracies: maximise")
        try:
            best = study.best_value
        except ValueError:  # no complete trial yet: nothing to compare against
            return False
        return self.decide(dict(trial.intermediate_values), best)[0]
