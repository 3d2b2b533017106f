"""Training engine: one loop for every estimator, cost metrics, device choice."""

from nasrun.training.costs import count_flops, count_params
from nasrun.training.device import resolve_device
from nasrun.training.trainer import DivergedError, EpochStats, History, Trainer

__all__ = [
    "DivergedError",
    "EpochStats",
    "History",
    "Trainer",
    "count_flops",
    "count_params",
    "resolve_device",
]
