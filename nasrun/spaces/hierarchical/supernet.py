"""The weight-sharing form of the hierarchical space: every edge holds all its choices.

A cell edge mixes every level-2 motif (each with its own weights, its edges mixing every
primitive by that motif's weights, which all its copies share) and ``none``. Single-path
mode is the mixture at a corner of the simplex, and :meth:`HierarchicalSupernet.subnet_state`
cuts a standalone network's weights out of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch

from nasrun.spaces.arch import Arch
from nasrun.spaces.hierarchical import genotype
from nasrun.spaces.hierarchical.network import HierarchicalNet, MixedEdge, Motif
from nasrun.spaces.hierarchical.primitives import PRIMITIVES, Zero
from nasrun.spaces.supernet import Active, DecisionSupernet

#: A standalone cell's parameter: stage, block, cell edge, motif edge, the rest.
_CELL_KEY = re.compile(r"^stages\.(\d+)\.(\d+)\.edges\.(\d+)\.edges\.(\d+)\.(.+)$")


class HierarchicalSupernet(DecisionSupernet):
    """The hierarchical space's supernet (Liu et al., ICLR 2018, shared as in DARTS)."""

    def __init__(self, space: Any, num_classes: int, input_shape: Sequence[int]) -> None:
        super().__init__(space)
        self.num_classes, self.input_shape = num_classes, tuple(input_shape)
        self.network = HierarchicalNet(
            self._cell, num_classes, input_shape[0], space.channels, space.cells_per_stage
        )

    def _cell(self, c: int) -> Motif:
        space = self.space
        motif_edges = genotype.edges(space.motif_nodes)

        def motif(name: str) -> Motif:
            return Motif(
                space.motif_nodes,
                lambda f: MixedEdge(
                    f"{name}_{motif_edges[f][0]}_{motif_edges[f][1]}",
                    [PRIMITIVES[p](c) for p in space.primitives],
                ),
            )

        cell_edges = genotype.edges(space.cell_nodes)
        motifs = genotype.motif_names(space.num_motifs)
        return Motif(
            space.cell_nodes,
            lambda e: MixedEdge(
                f"{genotype.CELL}_{cell_edges[e][0]}_{cell_edges[e][1]}",
                [*(motif(m) for m in motifs), Zero()],
            ),
        )

    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        return self.network(x, self.named_mixes(mixes, active))

    @torch.no_grad()
    def subnet_state(self, arch: Arch) -> dict[str, torch.Tensor]:
        """The state of ``space.build(arch)`` holding this supernet's weights of ``arch``'s ops."""
        space = self.space
        motifs, cell = genotype.split(arch, space.num_motifs, space.motif_nodes)
        names = genotype.motif_names(space.num_motifs)
        shared = self.network.state_dict()
        model = space.build(arch, self.num_classes, self.input_shape)
        state = {}
        for key in model.state_dict():
            match = _CELL_KEY.match(key)
            if match is None:
                state[key] = shared[key].clone()
                continue
            stage, block, e, f, rest = match.groups()
            m = names.index(cell[int(e)])
            k = space.primitives.index(motifs[m][int(f)])
            source = f"stages.{stage}.{block}.edges.{e}.choices.{m}.edges.{f}.choices.{k}.{rest}"
            state[key] = shared[source].clone()
        return state
