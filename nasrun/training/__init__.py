"""Training engine: one loop for every estimator, one weight step for every loop, costs, device."""

from nasrun.training.batchnorm import batchnorm_kept, recalibrate_batchnorm
from nasrun.training.costs import count_flops, count_params
from nasrun.training.device import resolve_device
from nasrun.training.optimiser import OPTIMIZERS, WeightOptimiser, optimizer_with
from nasrun.training.recipe import TrainingRecipe
from nasrun.training.trainer import DivergedError, EpochStats, History, Trainer

__all__ = [
    "OPTIMIZERS",
    "DivergedError",
    "EpochStats",
    "History",
    "Trainer",
    "TrainingRecipe",
    "WeightOptimiser",
    "batchnorm_kept",
    "count_flops",
    "count_params",
    "optimizer_with",
    "recalibrate_batchnorm",
    "resolve_device",
]
