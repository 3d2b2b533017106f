"""Performance estimators: how an architecture's quality is measured."""

from nasrun.estimators.base import Estimator, Objective, Pruned, Result, trial_seed
from nasrun.estimators.initializer import Initializer, Start
from nasrun.estimators.low_fidelity import LowFidelityEstimator
from nasrun.estimators.one_shot import OneShotEstimator
from nasrun.estimators.tabular import TabularEstimator
from nasrun.estimators.weight_inheritance import WeightInheritance, weight_inheritance

__all__ = [
    "Estimator",
    "Initializer",
    "LowFidelityEstimator",
    "Objective",
    "OneShotEstimator",
    "Pruned",
    "Result",
    "Start",
    "TabularEstimator",
    "WeightInheritance",
    "trial_seed",
    "weight_inheritance",
]
