"""Cell spaces in the DARTS macro network: ``dag`` (ENAS / DARTS) and ``nasnet_cell`` (NASNet).

Both search a normal and a reduction cell of N nodes; node ``k`` (state ``k + 2``) reads two
earlier states, each through one op, and combines them. They differ in three choices:

- ``dag`` (Pham et al. 2018; Liu et al. 2019): DARTS' 8 ops, branches added, the cell output
  concatenates every node.
- ``nasnet_cell`` (Zoph et al. 2018): NASNet's 13 ops, each node also chooses its combine op
  (add or concat), and the output concatenates the nodes no other node reads.

``normal_concat`` / ``reduce_concat`` fix a cell's output states instead of the rule, as the
published networks' own code does: NASNet's and AmoebaNet's TensorFlow cells take the list as a
per-cell constant (``used_hiddenstates``) that also concatenates the normal cell's input
``h_{i-1}`` (state 0) and some nodes other nodes read. Such a space searches ops and inputs only.

The decisions per node are ``<cell>_n<k>_in0, _op0, _in1, _op1`` (and ``_combine``); the string
form is the DARTS code base's ``Genotype(...)`` (see :mod:`nasrun.spaces.darts_cell.genotype`), so
published genotypes paste in. The network is
:class:`~nasrun.spaces.darts_cell.network.CellNetwork`; an op name means what it means in DARTS'
code (:mod:`nasrun.spaces.darts_cell.ops`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.darts_cell.genotype import (
    CELLS,
    COMBINES,
    CellGenotype,
    Genotype,
    unused_states,
)
from nasrun.spaces.darts_cell.network import CellNetwork
from nasrun.spaces.darts_cell.ops import DARTS_OPS, NASNET_OPS, OPS
from nasrun.spaces.supernet import Supernet


class CellSpace(SearchSpace):
    """A normal and a reduction cell of ``num_nodes`` two-input nodes in DARTS' network (Liu et
    al., ICLR 2019)."""

    combines: tuple[str, ...] = ("add",)
    output: str = "all"  # "all" nodes, or the "unused" ones, are concatenated into the output

    def __init__(
        self,
        num_nodes: int,
        ops: Sequence[str],
        channels: int = 16,
        layers: int = 8,
        auxiliary: bool = False,
        drop_path_prob: float = 0.0,
        stem_multiplier: int = 3,
        input_convs: int = 1,
        normal_concat: Sequence[int] | None = None,
        reduce_concat: Sequence[int] | None = None,
    ) -> None:
        unknown = [op for op in ops if op not in OPS]
        if unknown:
            raise NasrunError(f"{self.name}: unknown ops {unknown}; choose from {', '.join(OPS)}")
        if num_nodes < 1 or channels < 2 or layers < 1 or input_convs < 1:
            raise NasrunError(
                f"{self.name}: num_nodes, channels, layers and input_convs must be positive"
            )
        self.num_nodes, self.ops = num_nodes, tuple(ops)
        self.channels, self.layers = channels, layers
        self.auxiliary, self.drop_path_prob = auxiliary, drop_path_prob
        self.stem_multiplier, self.input_convs = stem_multiplier, input_convs
        self.fixed_concat = {
            cell: self._checked_concat(cell, states)
            for cell, states in zip(CELLS, (normal_concat, reduce_concat), strict=True)
            if states is not None
        }

    def _checked_concat(self, cell: str, states: Sequence[int]) -> tuple[int, ...]:
        # A reduction cell's inputs are at the larger resolution, so only its nodes concatenate.
        first = 2 if cell == "reduce" else 0
        states = tuple(int(k) for k in states)
        if not states or any(not first <= k < 2 + self.num_nodes for k in states):
            raise NasrunError(
                f"{self.name}: {cell}_concat {list(states)} must list states "
                f"{first}..{self.num_nodes + 1}"
            )
        return states

    def _decisions(self) -> list[Decision]:
        decisions = []
        for cell in CELLS:
            for k in range(self.num_nodes):
                for b in (0, 1):
                    decisions.append(Decision(f"{cell}_n{k}_in{b}", tuple(range(k + 2))))
                    decisions.append(Decision(f"{cell}_n{k}_op{b}", self.ops))
                if len(self.combines) > 1:
                    decisions.append(Decision(f"{cell}_n{k}_combine", self.combines))
        return decisions

    # -- genotypes ------------------------------------------------------------------------

    def concat_of(
        self, nodes: Sequence[tuple[tuple[str, int], tuple[str, int]]], cell: str | None = None
    ) -> tuple[int, ...]:
        """The states concatenated into ``cell``'s output: its fixed list if the space has one,
        else the space's rule (``cell=None`` asks for the rule alone)."""
        if cell in self.fixed_concat:
            return self.fixed_concat[cell]
        if self.output == "all":
            return tuple(range(2, 2 + len(nodes)))
        return unused_states(tuple(nodes))

    def genotype(self, arch: Arch) -> Genotype:
        values = dict(zip((d.name for d in self.decisions), self.validate(arch), strict=True))
        cells = {}
        for cell in CELLS:
            nodes = tuple(
                tuple((values[f"{cell}_n{k}_op{b}"], values[f"{cell}_n{k}_in{b}"]) for b in (0, 1))
                for k in range(self.num_nodes)
            )
            combine = tuple(
                values.get(f"{cell}_n{k}_combine", "add") for k in range(self.num_nodes)
            )
            cells[cell] = CellGenotype(nodes, self.concat_of(nodes, cell), combine)
        return Genotype(**cells)

    def from_genotype(self, genotype: Genotype) -> Arch:
        values: dict[str, Any] = {}
        for name in CELLS:
            cell = genotype.cell(name)
            if len(cell.nodes) != self.num_nodes:
                raise NasrunError(
                    f"{self.name}: the {name} cell has {len(cell.nodes)} nodes; this space has "
                    f"{self.num_nodes} (set space.num_nodes)"
                )
            concat = self.concat_of(cell.nodes, name)
            if tuple(cell.concat) != concat:
                rule = "fixed" if name in self.fixed_concat else f"the {self.output} nodes"
                raise NasrunError(
                    f"{self.name}: {name}_concat must be {list(concat)} ({rule}), "
                    f"got {list(cell.concat)}"
                )
            for k, node in enumerate(cell.nodes):
                for b, (op, index) in enumerate(node):
                    values[f"{name}_n{k}_op{b}"], values[f"{name}_n{k}_in{b}"] = op, index
                if len(self.combines) > 1:
                    values[f"{name}_n{k}_combine"] = cell.combine[k]
                elif cell.combine[k] not in self.combines:
                    raise NasrunError(f"{self.name}: nodes combine by {' or '.join(self.combines)}")
        return self.from_params(values)

    def to_string(self, arch: Arch) -> str:
        return str(self.genotype(arch))

    def from_string(self, text: str) -> Arch:
        return self.from_genotype(Genotype.parse(text))

    # -- networks -------------------------------------------------------------------------

    def build(
        self, arch: Arch, num_classes: int, input_shape: Sequence[int], **overrides: Any
    ) -> nn.Module:
        """DARTS' evaluation network; ``overrides`` replace the space's network settings."""
        settings = {
            "channels": self.channels,
            "layers": self.layers,
            "auxiliary": self.auxiliary,
            "drop_path_prob": self.drop_path_prob,
            "stem_multiplier": self.stem_multiplier,
            "input_convs": self.input_convs,
            **overrides,
        }
        return CellNetwork(self.genotype(arch), num_classes, input_shape, **settings)

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        from nasrun.spaces.darts_cell.supernet import CellSupernet

        return CellSupernet(self, num_classes, input_shape, **options)

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        return self._with_settings(channels=channels, layers=cells)


class DagSpace(CellSpace):
    """The ENAS / DARTS micro cell: two inputs per node, DARTS' 8 ops, all nodes concatenated."""

    name = "dag"

    def __init__(self, num_nodes: int = 4, ops: Sequence[str] = DARTS_OPS, **network: Any):
        super().__init__(num_nodes, ops, **network)


class NasnetCellSpace(CellSpace):
    """NASNet's cell (Zoph et al. 2018): B blocks of two inputs, two ops and a combine op; the
    unused hidden states form the output. ``cells_per_stage`` is N, the normal cells between
    reductions, so the network has ``3N + 2`` cells."""

    name = "nasnet_cell"
    combines = COMBINES
    output = "unused"

    def __init__(
        self,
        num_blocks: int = 5,
        ops: Sequence[str] = NASNET_OPS,
        cells_per_stage: int = 2,
        **network: Any,
    ) -> None:
        if "layers" in network:
            raise NasrunError("nasnet_cell: give cells_per_stage (N); the network has 3N+2 cells")
        self.cells_per_stage = cells_per_stage
        super().__init__(num_blocks, ops, layers=3 * cells_per_stage + 2, **network)
