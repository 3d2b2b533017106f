"""NAS-Bench-201's network (Dong & Yang, ICLR 2020): one macro skeleton for the standalone
network and the supernet, and the cell with a fixed op on each edge.

The skeleton: a 3x3 conv stem of ``channels`` channels, three stages of ``cells_per_stage``
cells joined by residual blocks that halve the resolution and double the channels, then
BN-ReLU, global average pooling and a linear classifier. A cell is a DAG of 4 nodes: node 0 is
the cell input and each later node ``i`` sums one op applied to every earlier node ``j``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from nasrun.layers import ResNetBasicBlock
from nasrun.spaces.nb201.ops import NB201_OPS

NUM_NODES = 4
#: (to, from) for the 6 edges, in the order NB201's strings list them.
EDGES = tuple((i, j) for i in range(1, NUM_NODES) for j in range(i))


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
