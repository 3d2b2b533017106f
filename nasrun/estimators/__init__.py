"""Performance estimators: how an architecture's quality is measured."""

from nasrun.estimators.base import Estimator, Objective, Result
from nasrun.estimators.low_fidelity import LowFidelityEstimator

__all__ = ["Estimator", "LowFidelityEstimator", "Objective", "Result"]
