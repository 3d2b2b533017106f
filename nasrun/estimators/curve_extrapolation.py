"""Low-fidelity training that stops hopeless candidates by extrapolating their learning curve."""

from __future__ import annotations

import optuna

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.low_fidelity import LowFidelityEstimator
from nasrun.pruners import CurveExtrapolationPruner
from nasrun.spaces import SearchSpace
from nasrun.training import Trainer


class CurveExtrapolationEstimator(LowFidelityEstimator):
    """Trains each candidate up to ``epochs``; after ``min_epochs`` it predicts the final
    validation accuracy from the curve so far (Domhan et al. 2015) and stops the trial when
    the chance of beating the best complete trial is below ``threshold``.

    The prediction is recorded on the trial (``predicted_final``, ``predicted_std``), and the
    rule is :class:`nasrun.pruners.CurveExtrapolationPruner`, usable as any study's pruner.
    """

    name = "curve_extrapolation"

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        epochs: int = 12,
        train_fraction: float = 1.0,
        min_epochs: int = 3,
        threshold: float = 0.1,
        noise_floor: float = 0.005,
        **proxy: int | None,
    ) -> None:
        """``proxy`` holds :class:`LowFidelityEstimator`'s channels, cells and resolution."""
        super().__init__(
            space, dataset, trainer, epochs=epochs, train_fraction=train_fraction, **proxy
        )
        if not 1 <= min_epochs < epochs:
            raise NasrunError("estimator.min_epochs must be at least 1 and below estimator.epochs")
        if not 0 < threshold < 1:
            raise NasrunError("estimator.threshold must be a probability in (0, 1)")
        self.pruner = CurveExtrapolationPruner(epochs, min_epochs, threshold, noise_floor)

    def stop_early(self, trial: optuna.Trial, curve: dict[int, float]) -> bool:
        try:
            best = trial.study.best_value
        except ValueError:  # no complete trial yet
            return False
        stop, prediction = self.pruner.decide(curve, best)
        if prediction is not None:
            trial.set_user_attr("predicted_final", prediction.mean)
            trial.set_user_attr("predicted_std", prediction.std)
        return stop
