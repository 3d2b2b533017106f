"""Live trackers (``callbacks=[mlflow,tensorboard]``): each finished trial and each trained
epoch, as numbers a tracker can chart, while the study stays the record."""

from nasrun.callbacks.base import Tracker, trial_metrics
from nasrun.callbacks.mlflow import MLflowTracker
from nasrun.callbacks.tensorboard import TensorBoardTracker

__all__ = ["MLflowTracker", "TensorBoardTracker", "Tracker", "trial_metrics"]
