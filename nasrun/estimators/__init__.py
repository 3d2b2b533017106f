"""Performance estimators: how an architecture's quality is measured."""

from nasrun.estimators.base import Estimator, Objective, Result
from nasrun.estimators.curve_extrapolation import CurveExtrapolationEstimator
from nasrun.estimators.low_fidelity import LowFidelityEstimator
from nasrun.estimators.one_shot import OneShotEstimator
from nasrun.estimators.tabular import TabularEstimator
from nasrun.estimators.weight_inheritance import WeightInheritanceEstimator

__all__ = [
    "CurveExtrapolationEstimator",
    "Estimator",
    "LowFidelityEstimator",
    "Objective",
    "OneShotEstimator",
    "Result",
    "TabularEstimator",
    "WeightInheritanceEstimator",
]
