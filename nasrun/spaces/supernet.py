"""The one-shot form of a space: every candidate op on every choice, with shared weights.

One supernet serves every weight-sharing method:

- DARTS / PC-DARTS: ``forward(x)`` mixes all candidates, weighted by ``softmax(alpha)``.
- GDAS: ``forward(x, weights=...)`` with (straight-through) one-hot weights per alpha.
- SPOS / ENAS / one-shot evaluation: ``forward(x, arch=a)`` runs only the path of ``a``.

``derive()`` reads the discrete architecture off the architecture parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import torch
from torch import nn

from nasrun.spaces.base import Arch


class Supernet(nn.Module, ABC):
    """Base class of every space's supernet (an ``nn.Module``)."""

    @abstractmethod
    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters (alphas), one tensor per group of mixed choices."""

    @abstractmethod
    def derive(self) -> Arch:
        """The discrete architecture the alphas currently prefer (always valid in the space)."""

    @abstractmethod
    def forward(
        self,
        x: torch.Tensor,
        arch: Arch | None = None,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Logits. ``arch``: single path; ``weights``: mixing weights shaped like the alphas;
        neither: ``softmax`` of the alphas."""

    def weight_parameters(self) -> Iterator[nn.Parameter]:
        """The shared network weights (everything but the alphas)."""
        alphas = {id(p) for p in self.arch_parameters()}
        return (p for p in self.parameters() if id(p) not in alphas)
