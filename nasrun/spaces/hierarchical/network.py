"""The hierarchical space's networks: motifs as DAGs of edges, and the paper's small CIFAR
network around a cell (Liu et al., ICLR 2018, Figure 2).

One skeleton serves the standalone network and the supernet: the cell is built by a factory,
and every ``forward`` passes ``mix`` (the supernet's mixing weights, ``None`` standalone) down
to the edges that read it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nasrun.spaces.hierarchical.genotype import edges

#: (weights by decision name, active choices by decision name), or None for a standalone network.
Mix = tuple[dict[str, torch.Tensor], dict[str, list[int]]] | None


class Motif(nn.Module):
    """A DAG: node 0 is the input, node ``j`` the sum of its edges from every earlier node
    (the merge; the paper concatenates depthwise, here nodes add so that every node keeps
    ``C`` channels and a motif can sit on any edge), the output the last node."""

    def __init__(self, nodes: int, make_edge: Callable[[int], nn.Module]) -> None:
        super().__init__()
        self.nodes, self.pairs = nodes, edges(nodes)
        self.edges = nn.ModuleList(make_edge(e) for e in range(len(self.pairs)))

    def forward(self, x: torch.Tensor, mix: Mix = None) -> torch.Tensor:
        states, e = [x], 0
        for j in range(1, self.nodes):
            node = _edge(self.edges[e], states[0], mix)  # every node reads node 0 first
            for i in range(1, j):
                node = node + _edge(self.edges[e + i], states[i], mix)
            states.append(node)
            e += j
        return states[-1]


def _edge(module: nn.Module, x: torch.Tensor, mix: Mix) -> torch.Tensor:
    return module(x, mix) if isinstance(module, Motif | MixedEdge) else module(x)


class MixedEdge(nn.Module):
    """The supernet's edge: every choice of decision ``name``, weighted by its mixing weight
    (only the choices that carry weight run)."""

    def __init__(self, name: str, choices: list[nn.Module]) -> None:
        super().__init__()
        self.name = name
        self.choices = nn.ModuleList(choices)

    def forward(self, x: torch.Tensor, mix: Mix) -> torch.Tensor:
        weights, active = mix
        out = torch.zeros_like(x)
        for k in active[self.name]:
            out = out + weights[self.name][k] * _edge(self.choices[k], x, mix)
        return out


def separable_reduction(c_in: int, c_out: int) -> nn.Sequential:
    """The paper's 3x3 separable convolution of stride 2 between stages (channels doubled)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_in, 3, stride=2, padding=1, groups=c_in, bias=False),
        nn.Conv2d(c_in, c_out, 1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=False),
    )


class HierarchicalNet(nn.Module):
    """3x3 conv (``channels``) -> ``cells_per_stage`` cells -> separable conv, stride 2, 2x
    channels -> cells -> separable conv, stride 2 -> cells -> global average pool -> linear:
    the small network of the paper's search (``channels=16``, one cell per stage)."""

    def __init__(
        self,
        make_cell: Callable[[int], nn.Module],
        num_classes: int,
        in_channels: int,
        channels: int = 16,
        cells_per_stage: int = 1,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=False),
        )
        self.stages = nn.ModuleList()
        c = channels
        for stage in range(3):
            blocks: list[nn.Module] = []
            if stage > 0:
                blocks.append(separable_reduction(c, 2 * c))
                c *= 2
            blocks += [make_cell(c) for _ in range(cells_per_stage)]
            self.stages.append(nn.ModuleList(blocks))
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor, mix: Any = None) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            for block in stage:
                x = _edge(block, x, mix)
        return self.classifier(x.mean(dim=(2, 3)))
