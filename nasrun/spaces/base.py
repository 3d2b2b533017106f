"""The search-space interface shared by every space.

A space is described by an ordered list of categorical decisions. From that one list the
base class derives everything a search algorithm needs (define-by-run suggestion for Optuna,
random sampling, one-decision mutation, neighbourhoods, grid size), so a concrete space only
says what its decisions are, how an architecture reads as a string, and how it becomes a
``torch.nn.Module``.

An architecture (``Arch``) is plain hashable data: the tuple of chosen values, in decision
order. It is never a module.
"""

from __future__ import annotations

import copy
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from nasrun.errors import NasrunError
from nasrun.spaces.arch import Arch, Choice, Decision

if TYPE_CHECKING:
    import optuna
    from torch import nn

    from nasrun.spaces.supernet import Supernet

__all__ = ["Arch", "Choice", "Decision", "SearchSpace"]


class SearchSpace(ABC):
    """A discrete architecture space (see DESIGN.md §3)."""

    #: The config-group name of the space (``space=<name>``).
    name: str = ""

    @abstractmethod
    def _decisions(self) -> Sequence[Decision]:
        """The decisions that make up one architecture, in a fixed order."""

    @abstractmethod
    def to_string(self, arch: Arch) -> str:
        """A readable, lossless string form of ``arch``."""

    @abstractmethod
    def from_string(self, text: str) -> Arch:
        """Parses :meth:`to_string`'s output; raises :class:`NasrunError` when malformed."""

    @abstractmethod
    def build(self, arch: Arch, num_classes: int, input_shape: Sequence[int]) -> nn.Module:
        """The network for ``arch`` on inputs of ``input_shape`` (C, H, W)."""

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        """The weight-sharing form of the space (see :mod:`nasrun.spaces.supernet`)."""
        raise NasrunError(f"space {self.name!r} has no supernet yet")

    def inherit(self, child: nn.Module, parent: nn.Module) -> float:
        """Copies ``parent``'s trained tensors into ``child`` where they carry over (weight
        inheritance: Real et al., ICML 2017; Elsken et al., ICLR 2019) and returns the fraction
        of ``child``'s parameters, by element, that were inherited.

        Here: every tensor of the same name and shape (batch-norm statistics included). Spaces
        whose networks line up in more ways (wider layers, grown kernels) override it.
        """
        import torch

        source = parent.state_dict()
        params = dict(child.named_parameters())
        inherited = 0
        with torch.no_grad():
            for name, target in child.state_dict().items():
                if name in source and source[name].shape == target.shape:
                    target.copy_(source[name])
                    inherited += target.numel() if name in params else 0
        return inherited / max(1, sum(p.numel() for p in params.values()))

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        """The same space whose networks start with ``channels`` channels and have ``cells``
        cells: the cheaper proxy network of a low-fidelity estimate (Zela et al. 2018).

        Only spaces whose width and depth are network settings, not decisions, have one.
        """
        if channels is None and cells is None:
            return self
        raise NasrunError(
            f"space={self.name}: its widths and depth are architecture decisions, so "
            "estimator.channels and estimator.cells apply only to dag, nasnet_cell and nb201"
        )

    def _with_settings(self, **settings: int | None) -> SearchSpace:
        """A shallow copy with the given (not None) network settings replaced."""
        proxy = copy.copy(self)
        for key, value in settings.items():
            if value is not None:
                if value < 1:
                    raise NasrunError(f"space={self.name}: {key} must be at least 1, got {value}")
                setattr(proxy, key, value)
        return proxy

    @cached_property
    def decisions(self) -> tuple[Decision, ...]:
        decisions = tuple(self._decisions())
        names = [d.name for d in decisions]
        if len(set(names)) != len(names):
            raise ValueError(f"{type(self).__name__}: decision names must be unique")
        return decisions

    # -- derived from the decisions -------------------------------------------------------

    def suggest(self, trial: optuna.Trial) -> Arch:
        """Asks ``trial`` for every decision (define-by-run, so any Optuna sampler works)."""
        return tuple(trial.suggest_categorical(d.name, d.choices) for d in self.decisions)

    def from_params(self, params: Mapping[str, Any]) -> Arch:
        """The architecture held by a trial's ``params``."""
        try:
            arch = tuple(params[d.name] for d in self.decisions)
        except KeyError as missing:
            raise NasrunError(f"{self.name}: the parameters lack decision {missing}") from None
        self.validate(arch)
        return arch

    def to_params(self, arch: Arch) -> dict[str, Choice]:
        """The Optuna parameters that encode ``arch`` (e.g. to ``study.enqueue_trial``)."""
        return {d.name: value for d, value in zip(self.decisions, arch, strict=True)}

    def validate(self, arch: Arch) -> Arch:
        if len(arch) != len(self.decisions):
            raise NasrunError(
                f"{self.name}: an architecture has {len(self.decisions)} decisions, got {len(arch)}"
            )
        for decision, value in zip(self.decisions, arch, strict=True):
            if value not in decision.choices:
                raise NasrunError(
                    f"{self.name}: {decision.name}={value!r} is not one of {list(decision.choices)}"
                )
        return arch

    def sample(self, rng: random.Random) -> Arch:
        """A uniformly random architecture."""
        return tuple(rng.choice(d.choices) for d in self.decisions)

    def mutate(self, arch: Arch, rng: random.Random) -> Arch:
        """``arch`` with exactly one decision changed to a different value."""
        open_positions = [i for i, d in enumerate(self.decisions) if len(d.choices) > 1]
        i = rng.choice(open_positions)
        value = rng.choice([c for c in self.decisions[i].choices if c != arch[i]])
        return arch[:i] + (value,) + arch[i + 1 :]

    def neighbours(self, arch: Arch) -> Iterator[Arch]:
        """Every architecture that differs from ``arch`` in exactly one decision."""
        for i, decision in enumerate(self.decisions):
            for value in decision.choices:
                if value != arch[i]:
                    yield arch[:i] + (value,) + arch[i + 1 :]

    def size(self) -> int:
        """How many architectures the space holds."""
        return math.prod(len(d.choices) for d in self.decisions)
