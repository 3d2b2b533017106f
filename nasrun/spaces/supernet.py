"""The one-shot form of a space: every candidate op on every choice, with shared weights.

One supernet serves every weight-sharing method:

- DARTS / PC-DARTS: ``forward(x)`` mixes all candidates, weighted by ``softmax(alpha)``.
- GDAS: ``forward(x, weights=...)`` with (straight-through) one-hot weights per alpha.
- SPOS / ENAS / one-shot evaluation: ``forward(x, arch=a)`` runs only the path of ``a``.

:meth:`Supernet.forward` turns those three modes into mixing weights once; a family's supernet
implements only the mixed forward pass on them (:meth:`Supernet.mixed_forward`), the one-hot
weights of a path (:meth:`Supernet.path_mixes`) and ``derive()``, which reads the discrete
architecture off the architecture parameters.

This module knows architectures as plain data (:mod:`nasrun.spaces.arch`), never the
search-space classes: a space builds its supernet, not the other way round.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Protocol

import torch
from torch import nn

from nasrun.spaces.arch import Arch, Decision

#: Per group of mixing weights, the choices that carry weight: one list of choice indices for a
#: vector of weights, one such list per row for a matrix.
Active = list


def active_choices(mix: torch.Tensor) -> list[list[int]]:
    """Per row of mixing weights, the choices that carry weight (all, unless one-hot), so that
    zero-weight ops are not run. One host sync per call."""
    return [[k for k, on in enumerate(row) if on] for row in (mix != 0).cpu().tolist()]


def _indices(on: list) -> Active:
    if on and isinstance(on[0], list):
        return [_indices(row) for row in on]
    return [k for k, value in enumerate(on) if value]


class Supernet(nn.Module, ABC):
    """Base class of every space's supernet (an ``nn.Module``); see the module docstring for
    the three forward modes (Liu et al., DARTS, ICLR 2019; Dong & Yang, GDAS, CVPR 2019;
    Guo et al., SPOS, ECCV 2020)."""

    @abstractmethod
    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters (alphas), one tensor per group of mixed choices."""

    def mixing_parameters(self) -> list[nn.Parameter]:
        """The alphas whose softmax mixes the ops (the first groups of ``arch_parameters``;
        others, such as PC-DARTS' edge betas, the supernet applies itself)."""
        return self.arch_parameters()

    @abstractmethod
    def derive(self) -> Arch:
        """The discrete architecture the alphas currently prefer (always valid in the space)."""

    @abstractmethod
    def path_mixes(self, arch: Arch) -> list[torch.Tensor]:
        """The mixing weights of ``arch``'s single path on the CPU, shaped like
        :meth:`mixing_parameters`: 1 on each chosen op (a count where a path takes the same op
        on the same edge twice), 0 elsewhere."""

    @abstractmethod
    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        """Logits for mixing weights ``mixes`` (one tensor per mixing group). ``active`` lists
        per group the choices with non-zero weight, the only ones worth running; ``None``:
        every choice."""

    def forward(
        self,
        x: torch.Tensor,
        arch: Arch | None = None,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Logits. ``arch``: single path; ``weights``: mixing weights shaped like the alphas;
        neither: ``softmax`` of the alphas."""
        alphas = self.mixing_parameters()
        if arch is not None:
            # Built on the CPU, so the active choices are known without a device sync.
            paths = self.path_mixes(arch)
            active: list[Active] | None = [_indices((m != 0).tolist()) for m in paths]
            mixes = [m.to(a) for m, a in zip(paths, alphas, strict=True)]
        elif weights is not None:
            mixes = list(weights[: len(alphas)])
            # One host sync for every group: GDAS' one-hot samples then run one op per edge.
            on = torch.cat([(m != 0).flatten() for m in mixes]).cpu().tolist()
            active, at = [], 0
            for m in mixes:
                flat, at = on[at : at + m.numel()], at + m.numel()
                rows = [flat[i : i + m.shape[-1]] for i in range(0, len(flat), m.shape[-1])]
                active.append(_indices(rows if m.dim() > 1 else flat))
        else:
            mixes, active = [torch.softmax(a, dim=-1) for a in alphas], None
        return self.mixed_forward(x, mixes, active)

    def weight_parameters(self) -> Iterator[nn.Parameter]:
        """The shared network weights (everything but the alphas)."""
        alphas = {id(p) for p in self.arch_parameters()}
        return (p for p in self.parameters() if id(p) not in alphas)


class HasDecisions(Protocol):
    """What :class:`DecisionSupernet` needs of its space."""

    decisions: tuple[Decision, ...]

    def to_params(self, arch: Arch) -> dict: ...


class DecisionSupernet(Supernet):
    """A supernet with one vector of architecture weights per decision of its space.

    Fits any space whose network can mix each decision's choices in place (kernel sizes,
    widths, gates), as in FBNetV2 (Wan et al., CVPR 2020). Single-path mode is the mixture
    with one-hot weights, so a sampled subnetwork computes exactly what the mixture computes
    at that corner of the simplex.
    """

    def __init__(self, space: HasDecisions) -> None:
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

    def path_mixes(self, arch: Arch) -> list[torch.Tensor]:
        return [
            nn.functional.one_hot(torch.tensor(d.choices.index(v)), len(d.choices)).float()
            for d, v in zip(self.space.decisions, arch, strict=True)
        ]

    def named_mixes(
        self, mixes: Sequence[torch.Tensor], active: list[Active] | None
    ) -> tuple[dict[str, torch.Tensor], dict[str, list[int]]]:
        """Per decision name, the weight of each choice and the choices that carry weight."""
        names = [d.name for d in self.space.decisions]
        every = [list(range(len(d.choices))) for d in self.space.decisions]
        return dict(zip(names, mixes, strict=True)), dict(
            zip(names, every if active is None else active, strict=True)
        )
