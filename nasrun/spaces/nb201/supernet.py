"""The weight-sharing form of the NAS-Bench-201 space: every edge of every cell holds all five
ops, mixed by one 6x5 matrix of architecture weights shared by all cells (as in NB201's DARTS,
GDAS, SETN and ENAS baselines).

``derive()`` takes the argmax op on each edge, ``none`` included: NB201's DARTS baseline keeps
``none`` selectable, which is why DARTS collapses to all-skip / all-none cells there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nasrun.spaces.arch import Arch
from nasrun.spaces.nb201.network import EDGES, NUM_NODES, NB201Network
from nasrun.spaces.nb201.ops import NB201_OPS, OPS
from nasrun.spaces.supernet import Active, Supernet


class NB201MixedCell(nn.Module):
    """A cell whose every edge computes ``sum_k w[e, k] * op_k(x)`` over NB201's five ops.

    Ops whose weight is marked inactive are not run at all, so a single path (or GDAS's
    one-hot sample) costs one op per edge.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleList(NB201_OPS[op](channels) for op in OPS) for _ in EDGES
        )

    def forward(
        self, x: torch.Tensor, weights: torch.Tensor, active: list[list[int]] | None
    ) -> torch.Tensor:
        nodes = [x]
        for i in range(1, NUM_NODES):
            node = 0
            for e, (to, j) in enumerate(EDGES):
                if to == i:
                    for k in range(len(OPS)) if active is None else active[e]:
                        node = node + weights[e, k] * self.edges[e][k](nodes[j])
            nodes.append(torch.zeros_like(x) if isinstance(node, int) else node)
        return nodes[-1]


class NB201Supernet(Supernet):
    """NB201's search network (Dong & Yang, ICLR 2020) with DARTS' mixed ops on every edge."""

    def __init__(
        self,
        space: Any,
        num_classes: int,
        input_shape: Sequence[int],
        channels: int | None = None,
        cells_per_stage: int | None = None,
    ) -> None:
        super().__init__()
        self.space = space
        self.network = NB201Network(
            NB201MixedCell,
            channels or space.channels,
            cells_per_stage or space.cells_per_stage,
            num_classes,
            input_shape[0],
        )
        self.alphas = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(OPS)))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alphas]

    def derive(self) -> Arch:
        return tuple(OPS[k] for k in self.alphas.argmax(dim=-1).tolist())

    def path_mixes(self, arch: Arch) -> list[torch.Tensor]:
        chosen = [OPS.index(op) for op in self.space.validate(arch)]
        return [nn.functional.one_hot(torch.tensor(chosen), len(OPS)).float()]

    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        return self.network(x, weights=mixes[0], active=None if active is None else active[0])

    @torch.no_grad()
    def subnet_state(self, arch: Arch) -> dict[str, torch.Tensor]:
        """The state of ``space.build(arch)`` holding this supernet's weights of ``arch``'s
        ops, so that the standalone network computes this supernet's single path."""
        chosen = [OPS.index(op) for op in self.space.validate(arch)]
        state = {}
        for key, value in self.network.state_dict().items():
            parts = key.split(".")
            if parts[0] == "cells" and parts[2] == "edges":  # cells.i.edges.e.k.rest
                e, k = int(parts[3]), int(parts[4])
                if k != chosen[e]:
                    continue
                key = ".".join(parts[:4] + parts[5:])
            state[key] = value.clone()
        return state
