"""The NAS-Bench-201 cell space of Dong & Yang, "NAS-Bench-201: Extending the Scope of
Reproducible Neural Architecture Search" (ICLR 2020), also NATS-Bench's topology space.

A cell is a DAG of 4 nodes: node 0 is the cell input and each later node ``i`` sums one op
applied to every earlier node ``j``; node 3 is the output. The 6 edges each choose one of 5 ops,
so the space holds 5**6 = 15,625 cells. The string form is NB201's own, one ``+``-separated
group per node listing ``op~j`` for its inputs::

    |nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|

The decisions are the edges in that reading order, so ``to_string`` is a plain join.
:meth:`NB201Space.benchmark_order` lists every cell in the benchmark's index order.

The network is NB201's macro skeleton (:mod:`nasrun.spaces.nb201.network`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.nb201.network import EDGES, NUM_NODES, NB201Cell, NB201Network
from nasrun.spaces.nb201.ops import OPS
from nasrun.spaces.supernet import Supernet


def edge_name(i: int, j: int) -> str:
    return f"node{i}_in{j}"


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
        from nasrun.spaces.nb201.supernet import NB201Supernet

        return NB201Supernet(self, num_classes, input_shape, **options)

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        if cells is not None and cells % 3:
            raise NasrunError(f"nb201: cells={cells} must be a multiple of 3 (three equal stages)")
        per_stage = None if cells is None else cells // 3
        return self._with_settings(channels=channels, cells_per_stage=per_stage)
