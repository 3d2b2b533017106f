"""The NAS-Bench-201 cell space of Dong & Yang, "NAS-Bench-201: Extending the Scope of
Reproducible Neural Architecture Search" (ICLR 2020), also NATS-Bench's topology space.

A cell is a DAG of 4 nodes: node 0 is the cell input and each later node ``i`` sums one op
applied to every earlier node ``j``; node 3 is the output. The 6 edges each choose one of 5 ops,
so the space holds 5**6 = 15,625 cells. The string form is NB201's own, one ``+``-separated
group per node listing ``op~j`` for its inputs::

    |nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|

The decisions are the edges in that reading order, so ``to_string`` is a plain join.
:meth:`NB201Space.benchmark_order` lists every cell in the benchmark's index order.

The network is NB201's macro skeleton: a 3x3 conv stem of ``channels`` channels, three stages
of ``cells_per_stage`` cells joined by residual blocks that halve the resolution and double the
channels, then BN-ReLU, global average pooling and a linear classifier.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from nasrun.errors import NasrunError
from nasrun.layers.nb201_ops import NB201_OPS, ResNetBasicBlock
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.supernet import Supernet

OPS = tuple(NB201_OPS)  # none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3
NUM_NODES = 4
#: (to, from) for the 6 edges, in the order NB201's strings list them.
EDGES = tuple((i, j) for i in range(1, NUM_NODES) for j in range(i))


def edge_name(i: int, j: int) -> str:
    return f"node{i}_in{j}"


class NB201Cell(nn.Module):
    """One cell with a fixed op on each edge; node ``i`` is the sum of its edges' outputs."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(NB201_OPS[op](channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for i in range(1, NUM_NODES):
            nodes.append(sum(self.edges[e](nodes[j]) for e, (to, j) in enumerate(EDGES) if to == i))
        return nodes[-1]


class NB201Network(nn.Module):
    """NB201's macro skeleton around cells made by ``make_cell(channels)``.

    Keyword arguments of ``forward`` go to every cell (a supernet passes its mixing weights).
    """

    def __init__(
        self,
        make_cell: Callable[[int], nn.Module],
        channels: int,
        cells_per_stage: int,
        num_classes: int,
        in_channels: int,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        self.cells = nn.ModuleList()
        c = channels
        for stage in range(3):
            if stage > 0:
                self.cells.append(ResNetBasicBlock(c, 2 * c, stride=2))
                c *= 2
            self.cells.extend(make_cell(c) for _ in range(cells_per_stage))
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor, **cell_inputs: Any) -> torch.Tensor:
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x) if isinstance(cell, ResNetBasicBlock) else cell(x, **cell_inputs)
        return self.classifier(self.head(x).mean(dim=(2, 3)))


class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell space and network (Dong & Yang, ICLR 2020)."""

    name = "nb201"

    def __init__(self, channels: int = 16, cells_per_stage: int = 5) -> None:
        if channels < 1 or cells_per_stage < 1:
            raise NasrunError("nb201: channels and cells_per_stage must be at least 1")
        self.channels = channels
        self.cells_per_stage = cells_per_stage

    def _decisions(self) -> list[Decision]:
        return [Decision(edge_name(i, j), OPS) for i, j in EDGES]

    def to_string(self, arch: Arch) -> str:
        ops = self.validate(arch)
        nodes = [
            "|" + "|".join(f"{ops[e]}~{j}" for e, (to, j) in enumerate(EDGES) if to == i) + "|"
            for i in range(1, NUM_NODES)
        ]
        return "+".join(nodes)

    def from_string(self, text: str) -> Arch:
        example = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|"
        nodes = text.strip().split("+")
        if len(nodes) != NUM_NODES - 1:
            raise NasrunError(f"nb201: expected 3 '+'-separated nodes like {example}, got {text!r}")
        arch: list[str] = []
        for i, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|")):
                raise NasrunError(f"nb201: node {i} {node!r} must start and end with '|'")
            tokens = node[1:-1].split("|")
            if len(tokens) != i:
                raise NasrunError(f"nb201: node {i} needs {i} inputs, got {node!r}")
            for j, token in enumerate(tokens):
                op, _, source = token.partition("~")
                if source != str(j):
                    raise NasrunError(
                        f"nb201: node {i} input {j} must read 'op~{j}', got {token!r}"
                    )
                if op not in OPS:
                    raise NasrunError(f"nb201: unknown op {op!r}; choose from {', '.join(OPS)}")
                arch.append(op)
        return tuple(arch)

    def benchmark_order(self) -> list[Arch]:
        """All 15,625 cells in NAS-Bench-201's index order (cell ``i`` is benchmark index ``i``).

        NB201 built its index by listing the edges' op choices as a product (first edge slowest)
        and shuffling that list with Python's ``random.seed(88)``; AutoDL-Projects'
        ``generate_meta_info`` asserts the result. Python's shuffle is stable across versions.
        """
        archs = list(itertools.product(OPS, repeat=len(EDGES)))
        random.Random(88).shuffle(archs)
        return archs

    def build(self, arch: Arch, num_classes: int, input_shape: Sequence[int]) -> nn.Module:
        ops = self.validate(arch)
        return NB201Network(
            lambda c: NB201Cell(ops, c),
            self.channels,
            self.cells_per_stage,
            num_classes,
            input_shape[0],
        )

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        from nasrun.spaces.nb201_supernet import NB201Supernet

        return NB201Supernet(self, num_classes, input_shape, **options)

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        if cells is not None and cells % 3:
            raise NasrunError(f"nb201: cells={cells} must be a multiple of 3 (three equal stages)")
        per_stage = None if cells is None else cells // 3
        return self._with_settings(channels=channels, cells_per_stage=per_stage)
