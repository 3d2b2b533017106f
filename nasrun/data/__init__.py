"""Data modules: image classification splits held on the run's device."""

from nasrun.data.base import DataModule, Split
from nasrun.data.cifar import Cifar10, Cifar100
from nasrun.data.digits import Digits
from nasrun.data.synthetic import Synthetic

__all__ = ["Cifar10", "Cifar100", "DataModule", "Digits", "Split", "Synthetic"]
