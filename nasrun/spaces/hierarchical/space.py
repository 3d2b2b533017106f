"""The hierarchical space of Liu, Simonyan, Vinyals, Fernando & Kavukcuoglu, "Hierarchical
Representations for Efficient Architecture Search" (ICLR 2018).

Three levels: level-1 primitives (:mod:`.primitives`), ``num_motifs`` level-2 motifs (DAGs of
``motif_nodes`` nodes whose edges hold primitives) and one level-3 motif, the cell (a DAG of
``cell_nodes`` nodes whose edges hold level-2 motifs or ``none``). The paper's setting is 6
motifs of 4 nodes and a cell of 5 nodes; its search network has 16 channels and one cell per
stage. Each use of a motif in the cell has its own weights.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.hierarchical import genotype
from nasrun.spaces.hierarchical.network import HierarchicalNet, Motif
from nasrun.spaces.hierarchical.primitives import PRIMITIVES, Zero
from nasrun.spaces.supernet import Supernet


class HierarchicalSpace(SearchSpace):
    """Hierarchical representations (Liu et al., ICLR 2018), one decision per (level, motif,
    edge): the paper's mutation is one decision changed (:meth:`mutate`)."""

    name = "hierarchical"

    def __init__(
        self,
        num_motifs: int = 6,
        motif_nodes: int = 4,
        cell_nodes: int = 5,
        primitives: Sequence[str] = tuple(PRIMITIVES),
        channels: int = 16,
        cells_per_stage: int = 1,
    ) -> None:
        unknown = set(primitives) - set(PRIMITIVES)
        if unknown:
            raise NasrunError(
                f"hierarchical: unknown primitives {sorted(unknown)}; choose from {list(PRIMITIVES)}"
            )
        if num_motifs < 1 or motif_nodes < 2 or cell_nodes < 2 or not primitives:
            raise NasrunError(
                "hierarchical: need num_motifs >= 1, motif_nodes >= 2, cell_nodes >= 2 and "
                "at least one primitive"
            )
        self.num_motifs, self.motif_nodes, self.cell_nodes = num_motifs, motif_nodes, cell_nodes
        self.primitives = tuple(primitives)
        self.channels, self.cells_per_stage = channels, cells_per_stage

    def _decisions(self) -> list[Decision]:
        return genotype.decisions(
            self.num_motifs, self.motif_nodes, self.cell_nodes, self.primitives
        )

    def to_string(self, arch: Arch) -> str:
        return genotype.to_string(self.validate(arch), self.num_motifs, self.motif_nodes)

    def from_string(self, text: str) -> Arch:
        return self.validate(genotype.from_string(text, self.num_motifs))

    def mutate(self, arch: Arch, rng: random.Random) -> Arch:
        """The paper's mutation: a level (2 or 3), a motif of it, an edge of that motif, and a
        different op for the edge (a primitive on level 2; a level-2 motif or none on level 3)."""
        level = rng.choice((2, 3))
        motif = rng.choice(genotype.motif_names(self.num_motifs)) if level == 2 else genotype.CELL
        i, j = rng.choice(genotype.edges(self.motif_nodes if level == 2 else self.cell_nodes))
        position = [d.name for d in self.decisions].index(f"{motif}_{i}_{j}")
        choices = [c for c in self.decisions[position].choices if c != arch[position]]
        if not choices:  # a single primitive: only the other level can change
            return super().mutate(arch, rng)
        return arch[:position] + (rng.choice(choices),) + arch[position + 1 :]

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        if cells is not None and cells % 3:
            raise NasrunError("space=hierarchical: estimator.cells must be a multiple of 3")
        return self._with_settings(
            channels=channels, cells_per_stage=None if cells is None else cells // 3
        )

    def cell(self, arch: Arch, channels: int) -> Motif:
        """The standalone level-3 motif of ``arch`` at ``channels`` channels."""
        motifs, cell = genotype.split(self.validate(arch), self.num_motifs, self.motif_nodes)
        names = genotype.motif_names(self.num_motifs)

        def level2(op: str) -> nn.Module:
            if op == "none":
                return Zero()
            ops = motifs[names.index(op)]
            return Motif(self.motif_nodes, lambda f: PRIMITIVES[ops[f]](channels))

        return Motif(self.cell_nodes, lambda e: level2(cell[e]))

    def build(
        self, arch: Arch, num_classes: int, input_shape: Sequence[int], **network: Any
    ) -> nn.Module:
        settings = {"channels": self.channels, "cells_per_stage": self.cells_per_stage, **network}
        return HierarchicalNet(
            lambda c: self.cell(arch, c), num_classes, input_shape[0], **settings
        )

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        from nasrun.spaces.hierarchical.supernet import HierarchicalSupernet

        return HierarchicalSupernet(self, num_classes, input_shape, **options)
