"""The weight-sharing form of the cell spaces: DARTS' search network (Liu et al., ICLR 2019),
with PC-DARTS' partial channel connections as an option (Xu et al., ICLR 2020).

Every edge ``j -> k`` (every earlier state into every node) holds all of the space's ops; one
alpha matrix per cell type (edges x ops) mixes them. Ops use BN without affine parameters and
pools get an extra BN, as in DARTS. With ``partial_channels=K > 1`` an edge runs its ops on
1/K of the channels, passes the rest through and shuffles the channels; a second set of
architecture weights (betas, one per edge) then normalises the edges into each node.

A search cell concatenates every node, so a ``dag`` architecture's single path computes what
its evaluation network computes (up to the affine-free BNs and the pools' extra BN), while a
``nasnet_cell`` architecture (its unused nodes, concat combines) differs by construction.

``derive()`` keeps, for each node, the two incoming edges whose strongest non-``none`` op
weighs most, with that op (DARTS' rule); a ``nasnet_cell`` node then combines by adding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from nasrun.errors import NasrunError
from nasrun.spaces.arch import Arch
from nasrun.spaces.darts_cell.genotype import CELLS, CellGenotype, Genotype
from nasrun.spaces.darts_cell.network import MacroNetwork, preprocess
from nasrun.spaces.darts_cell.ops import OPS
from nasrun.spaces.supernet import Active, Supernet


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
    """A cell of mixed edges; ``forward`` picks the mixing weights of its cell type."""

    def __init__(self, ops, num_nodes, c_prev_prev, c_prev, c, reduction, reduction_prev, k):
        super().__init__()
        self.num_nodes, self.multiplier, self.kind = num_nodes, num_nodes, int(reduction)
        self.preprocess0, self.preprocess1 = preprocess(
            c_prev_prev, c_prev, c, reduction_prev, affine=False
        )
        self.edges = nn.ModuleList(
            MixedEdge(ops, c, 2 if reduction and j < 2 else 1, k) for _, j in edges_of(num_nodes)
        )

    def forward(self, s0, s1, mixes, active, edge_weights) -> torch.Tensor:
        weights, edge_weights = mixes[self.kind], edge_weights[self.kind]
        every = range(weights.shape[-1])
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        e = 0
        for k in range(self.num_nodes):
            node = 0
            for j in range(k + 2):
                on = every if active is None else active[self.kind][e]
                if on:
                    node = node + edge_weights[e] * self.edges[e](states[j], weights[e], on)
                e += 1
            states.append(torch.zeros_like(states[1]) if isinstance(node, int) else node)
        return torch.cat(states[2:], dim=1)


class CellSupernet(Supernet):
    """DARTS' search network (Liu et al., ICLR 2019) for a cell space; its defaults are the
    paper's (16 channels, 8 cells) through the space's ``channels`` and ``layers``."""

    def __init__(
        self,
        space: Any,
        num_classes: int,
        input_shape: Sequence[int],
        channels: int | None = None,
        layers: int | None = None,
        partial_channels: int = 1,
    ) -> None:
        super().__init__()
        self.space = space

        def make_cell(c_prev_prev, c_prev, c, reduction, reduction_prev) -> SearchCell:
            return SearchCell(
                space.ops,
                space.num_nodes,
                c_prev_prev,
                c_prev,
                c,
                reduction,
                reduction_prev,
                partial_channels,
            )

        self.network = MacroNetwork(
            make_cell,
            num_classes,
            input_shape[0],
            channels or space.channels,
            layers or space.layers,
            space.stem_multiplier,
        )
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

    def mixing_parameters(self) -> list[nn.Parameter]:
        return list(self.alphas)

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

    def path_mixes(self, arch: Arch) -> list[torch.Tensor]:
        """``arch``'s two (op, input) edges per node, one-hot."""
        genotype = self.space.genotype(arch)
        edges = edges_of(self.space.num_nodes)
        mixes = []
        for name in CELLS:
            mix = torch.zeros(len(edges), len(self.space.ops))
            for k, node in enumerate(genotype.cell(name).nodes):
                for op, j in node:
                    mix[edges.index((k, j)), self.space.ops.index(op)] += 1.0
            mixes.append(mix)
        return mixes

    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        edge_weights = [self._edge_weights(c) for c in range(len(CELLS))]
        return self.network(x, mixes=mixes, active=active, edge_weights=edge_weights)

    @torch.no_grad()
    def subnet_state(self, arch: Arch) -> dict[str, torch.Tensor]:
        """The state of ``space.build(arch)`` (no auxiliary head) holding this supernet's
        weights of ``arch``'s ops; the affine-free BNs become BNs of scale 1 and shift 0.

        Only where the evaluation network is a path of this one: every node concatenated and
        added (``dag``), full channels. A pool's extra BN (DARTS' ``MixedOp``) has no
        counterpart, so the two agree where those BNs hold identity statistics.
        """
        genotype = self.space.genotype(arch)
        cells = [genotype.cell(name) for name in CELLS]
        every = tuple(range(2, 2 + self.space.num_nodes))
        if (
            any(c.concat != every or set(c.combine) != {"add"} for c in cells)
            or getattr(self.space, "input_convs", 1) != 1
            or self.betas is not None
        ):
            raise NasrunError(f"{self.space.name}: {arch} is not a path of the search network")
        edges, state = edges_of(self.space.num_nodes), {}
        for key, value in self.network.state_dict().items():
            if ".edges." not in key:
                state[key] = value.clone()
        for i, cell in enumerate(self.network.cells):
            for k, node in enumerate(cells[cell.kind].nodes):
                for b, (op, j) in enumerate(node):
                    module = cell.edges[edges.index((k, j))].ops[self.space.ops.index(op)]
                    if "pool" not in op:
                        for name, value in module.state_dict().items():
                            state[f"cells.{i}.ops.{2 * k + b}.{name}"] = value.clone()
        for key in [k for k in state if k.endswith("running_mean")]:
            prefix = key[: -len("running_mean")]
            state.setdefault(prefix + "weight", torch.ones_like(state[key]))
            state.setdefault(prefix + "bias", torch.zeros_like(state[key]))
        return state
