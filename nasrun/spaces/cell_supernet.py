"""The weight-sharing form of the cell spaces: DARTS' search network (Liu et al., ICLR 2019),
with PC-DARTS' partial channel connections as an option (Xu et al., ICLR 2020).

Every edge ``j -> k`` (every earlier state into every node) holds all of the space's ops; one
alpha matrix per cell type (edges x ops) mixes them. Ops use BN without affine parameters and
pools get an extra BN, as in DARTS. With ``partial_channels=K > 1`` an edge runs its ops on
1/K of the channels, passes the rest through and shuffles the channels; a second set of
architecture weights (betas, one per edge) then normalises the edges into each node.

``derive()`` keeps, for each node, the two incoming edges whose strongest non-``none`` op
weighs most, with that op (DARTS' rule); a ``nasnet_cell`` node then combines by adding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from nasrun.layers.darts_ops import OPS, FactorizedReduce
from nasrun.layers.nb201_ops import ReLUConvBN
from nasrun.spaces.base import Arch
from nasrun.spaces.genotype import CELLS, CellGenotype, Genotype
from nasrun.spaces.supernet import Supernet, active_choices


def edges_of(num_nodes: int) -> list[tuple[int, int]]:
    """(node, input state) for every edge, node by node."""
    return [(k, j) for k in range(num_nodes) for j in range(k + 2)]


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    n, c, h, w = x.shape
    return x.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class MixedEdge(nn.Module):
    def __init__(self, ops: Sequence[str], c: int, stride: int, partial_channels: int) -> None:
        super().__init__()
        self.k, self.stride = partial_channels, stride
        width = c // partial_channels
        self.ops = nn.ModuleList()
        for op in ops:
            module = OPS[op](width, stride, False)
            if "pool" in op:
                module = nn.Sequential(module, nn.BatchNorm2d(width, affine=False))
            self.ops.append(module)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[int]) -> torch.Tensor:
        if self.k == 1:
            return sum(weights[i] * self.ops[i](x) for i in active)
        width = x.shape[1] // self.k
        part, rest = x[:, :width], x[:, width:]
        mixed = sum(weights[i] * self.ops[i](part) for i in active)
        if self.stride == 2:
            rest = F.max_pool2d(rest, 2, 2, ceil_mode=True)
        return channel_shuffle(torch.cat([mixed, rest], dim=1), self.k)


class SearchCell(nn.Module):
    def __init__(self, space, c_prev_prev, c_prev, c, reduction, reduction_prev, partial_channels):
        super().__init__()
        self.num_nodes = space.num_nodes
        self.preprocess0 = (
            FactorizedReduce(c_prev_prev, c, affine=False)
            if reduction_prev
            else ReLUConvBN(c_prev_prev, c, 1, affine=False)
        )
        self.preprocess1 = ReLUConvBN(c_prev, c, 1, affine=False)
        self.edges = nn.ModuleList(
            MixedEdge(space.ops, c, 2 if reduction and j < 2 else 1, partial_channels)
            for _, j in edges_of(space.num_nodes)
        )

    def forward(self, s0, s1, weights, active, edge_weights) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        e = 0
        for k in range(self.num_nodes):
            node = 0
            for j in range(k + 2):
                if active[e]:
                    node = node + edge_weights[e] * self.edges[e](states[j], weights[e], active[e])
                e += 1
            states.append(torch.zeros_like(states[1]) if isinstance(node, int) else node)
        return torch.cat(states[2:], dim=1)


class CellSupernet(Supernet):
    """DARTS' search network for a :class:`~nasrun.spaces.cell.CellSpace`; its defaults are the
    paper's (16 channels, 8 cells) through the space's ``channels`` and ``layers``."""

    def __init__(
        self,
        space,
        num_classes: int,
        input_shape: Sequence[int],
        channels: int | None = None,
        layers: int | None = None,
        partial_channels: int = 1,
    ) -> None:
        super().__init__()
        self.space = space
        channels = channels or space.channels
        layers = layers or space.layers
        c_curr = space.stem_multiplier * channels
        self.stem = nn.Sequential(
            nn.Conv2d(input_shape[0], c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        reductions = {layers // 3, 2 * layers // 3} if layers >= 3 else set()
        self.reduction = []
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in reductions
            c_curr *= 2 if reduction else 1
            self.cells.append(
                SearchCell(
                    space, c_prev_prev, c_prev, c_curr, reduction, reduction_prev, partial_channels
                )
            )
            self.reduction.append(reduction)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, space.num_nodes * c_curr
        self.classifier = nn.Linear(c_prev, num_classes)
        num_edges = len(edges_of(space.num_nodes))
        self.alphas = nn.ParameterList(
            nn.Parameter(1e-3 * torch.randn(num_edges, len(space.ops))) for _ in CELLS
        )
        self.betas = (
            nn.ParameterList(nn.Parameter(1e-3 * torch.randn(num_edges)) for _ in CELLS)
            if partial_channels > 1
            else None
        )

    def arch_parameters(self) -> list[nn.Parameter]:
        return list(self.alphas) + (list(self.betas) if self.betas is not None else [])

    def _edge_weights(self, cell: int) -> torch.Tensor:
        """PC-DARTS' edge normalisation: a softmax of the betas over each node's inputs."""
        if self.betas is None:
            return torch.ones(len(edges_of(self.space.num_nodes)), device=self.alphas[0].device)
        betas, parts, start = self.betas[cell], [], 0
        for k in range(self.space.num_nodes):
            parts.append(torch.softmax(betas[start : start + k + 2], dim=-1))
            start += k + 2
        return torch.cat(parts)

    def derive(self) -> Arch:
        none = self.space.ops.index("none") if "none" in self.space.ops else None
        cells = {}
        for c, name in enumerate(CELLS):
            weights = torch.softmax(self.alphas[c].detach(), dim=-1).clone()
            weights = weights * self._edge_weights(c).detach()[:, None]
            if none is not None:
                weights[:, none] = -1.0
            nodes, start = [], 0
            for k in range(self.space.num_nodes):
                block = weights[start : start + k + 2]
                best_op = block.argmax(dim=-1)
                strength = block.max(dim=-1).values
                inputs = sorted(strength.topk(2).indices.tolist())  # node k has k + 2 >= 2 inputs
                pairs = [(self.space.ops[int(best_op[j])], j) for j in inputs]
                nodes.append(tuple(pairs))
                start += k + 2
            nodes = tuple(nodes)
            combine = ("add",) * len(nodes)
            cells[name] = CellGenotype(nodes, self.space.concat_of(nodes, name), combine)
        return self.space.from_genotype(Genotype(**cells))

    def _path(self, arch: Arch, device: torch.device) -> list[torch.Tensor]:
        """One-hot mixing weights of ``arch``: its two (op, input) edges per node."""
        genotype = self.space.genotype(arch)
        edges = edges_of(self.space.num_nodes)
        mixes = []
        for name in CELLS:
            mix = torch.zeros(len(edges), len(self.space.ops), device=device)
            for k, node in enumerate(genotype.cell(name).nodes):
                for op, j in node:
                    mix[edges.index((k, j)), self.space.ops.index(op)] += 1.0
            mixes.append(mix)
        return mixes

    def forward(
        self,
        x: torch.Tensor,
        arch: Arch | None = None,
        weights: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        if arch is not None:
            mixes = self._path(arch, x.device)
        elif weights is not None:
            mixes = weights[: len(CELLS)]
        else:
            mixes = [torch.softmax(alpha, dim=-1) for alpha in self.alphas]
        active = [active_choices(mix) for mix in mixes]
        edge_weights = [self._edge_weights(c) for c in range(len(CELLS))]
        s0 = s1 = self.stem(x)
        for cell, reduction in zip(self.cells, self.reduction, strict=True):
            c = int(reduction)
            s0, s1 = s1, cell(s0, s1, mixes[c], active[c], edge_weights[c])
        return self.classifier(s1.mean(dim=(2, 3)))
