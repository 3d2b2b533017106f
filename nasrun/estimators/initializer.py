"""How a network begins a low-fidelity estimate: the seam weight inheritance plugs into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import optuna
    from torch import nn

    from nasrun.spaces import Arch, SearchSpace


@dataclass(frozen=True)
class Start:
    """What an initializer did to a fresh network: ``epochs`` to train it from there (None: the
    estimator's own), and ``metrics`` recorded with the trial's result (e.g. what it inherited)."""

    epochs: int | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


class Initializer(ABC):
    """Prepares each freshly initialised network of :class:`LowFidelityEstimator` before it
    trains, and sees it once trained: a composable alternative to subclassing the estimator
    (weight inheritance is one; Real et al. 2017, Elsken et al. 2019)."""

    @abstractmethod
    def start(self, space: SearchSpace, arch: Arch, model: nn.Module, trial: optuna.Trial) -> Start:
        """May load weights into ``model`` (built by ``space`` for ``arch``) in place."""

    def trained(self, arch: Arch, trial: optuna.Trial, model: nn.Module) -> None:
        """Called with the network of a trial that trained to the end (not a pruned one)."""
        return None  # an initializer that keeps nothing between trials
