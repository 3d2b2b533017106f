"""The estimator interface: how good is an architecture, and what did it cost to find out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import optuna

if TYPE_CHECKING:
    from nasrun.data import DataModule
    from nasrun.spaces import Arch, SearchSpace
    from nasrun.training import EpochStats


@dataclass(frozen=True)
class Result:
    """What one evaluation found. ``value`` is the search objective; the rest is recorded."""

    value: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    test_value: float | None = None  # e.g. test accuracy, never used to select
    params: int | None = None
    flops: int | None = None
    cost_s: float = 0.0  # seconds spent (simulated seconds for tabular benchmarks)
    fidelity: str = ""  # e.g. "epochs=3,data=0.5"


@dataclass(frozen=True)
class Objective:
    name: str
    direction: str  # "maximize" or "minimize"


class Pruned(optuna.TrialPruned):
    """Raised by :meth:`Estimator.evaluate` when a trial stops early: what the evaluation found
    up to then (e.g. the epochs trained, a curve's prediction) travels with it to the record."""

    def __init__(self, result: Result, message: str = "") -> None:
        super().__init__(message)
        self.result = result


class Estimator(ABC):
    """Performance estimation strategy (DESIGN.md §3)."""

    name: str = ""
    objective = Objective("valid_acc", "maximize")
    #: The training settings ``evaluate`` applies from ``hyperparameters`` (joint NAS + HPO);
    #: ``hpo`` refuses to search the others, so a searched value never silently goes unused.
    tunable: frozenset[str] = frozenset()

    def data_name(self, dataset: DataModule) -> str:
        """The data set the scores are about (a benchmark estimator names its own)."""
        return dataset.name

    def check_space(self, space: SearchSpace) -> None:
        """Raises :class:`nasrun.errors.NasrunError` when this estimator cannot serve ``space``."""
        return None  # training-based estimators serve every space

    @abstractmethod
    def evaluate(
        self,
        arch: Arch,
        trial: optuna.Trial,
        hyperparameters: Mapping[str, Any] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> Result:
        """Estimates ``arch``. ``hyperparameters`` are this trial's training settings (joint
        NAS + HPO: lr, weight_decay, batch_size, epochs, optimizer), applied over the
        estimator's own. May ``trial.report`` intermediate values and raise ``TrialPruned``
        (:class:`Pruned` to keep what it measured); everything it found goes back in the
        :class:`Result`, never through trial attributes."""


def trial_seed(seed: int, trial_number: int) -> int:
    """The seed of one trial's training, from the run's seed: reruns train identically."""
    return (seed * 1_000_003 + trial_number) % 2**31
