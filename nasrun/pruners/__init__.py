"""nasrun's Optuna pruners (multi-fidelity scheduling comes from Optuna's own)."""

from nasrun.pruners._base import ExplainsDecisions
from nasrun.pruners._curve_extrapolation import CurveExtrapolationPruner
from nasrun.pruners._curve_models import Prediction, extrapolate

__all__ = ["CurveExtrapolationPruner", "ExplainsDecisions", "Prediction", "extrapolate"]
