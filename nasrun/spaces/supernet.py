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

from nasrun.spaces.base import Arch, SearchSpace


def active_choices(mix: torch.Tensor) -> list[list[int]]:
    """Per row of mixing weights, the choices that carry weight (all, unless one-hot), so that
    zero-weight ops are not run. One host sync per call."""
    return [[k for k, on in enumerate(row) if on] for row in (mix != 0).cpu().tolist()]


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


class DecisionSupernet(Supernet):
    """A supernet with one vector of architecture weights per decision of its space.

    Fits any space whose network can mix each decision's choices in place (kernel sizes,
    widths, gates). Single-path mode is the mixture with one-hot weights, so a sampled
    subnetwork computes exactly what the mixture computes at that corner of the simplex.
    """

    def __init__(self, space: SearchSpace) -> None:
        super().__init__()
        self.space = space
        self.alphas = nn.ParameterList(
            nn.Parameter(1e-3 * torch.randn(len(d.choices))) for d in space.decisions
        )

    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alphas)

    def derive(self) -> Arch:
        return tuple(
            d.choices[int(alpha.argmax())]
            for d, alpha in zip(self.space.decisions, self.alphas, strict=True)
        )

    def mixing_weights(
        self, arch: Arch | None, weights: list[torch.Tensor] | None
    ) -> dict[str, torch.Tensor]:
        """Per decision name, the weight of each choice for this forward pass."""
        if arch is not None:
            device = self.alphas[0].device
            weights = [
                torch.nn.functional.one_hot(
                    torch.tensor(d.choices.index(v), device=device), len(d.choices)
                ).float()
                for d, v in zip(self.space.decisions, arch, strict=True)
            ]
        elif weights is None:
            weights = [torch.softmax(alpha, dim=-1) for alpha in self.alphas]
        return {d.name: w for d, w in zip(self.space.decisions, weights, strict=True)}
