"""The DARTS evaluation network (Liu et al., ICLR 2019), built from a :class:`Genotype`.

A stem conv of ``stem_multiplier * C`` channels, then ``layers`` cells; the cells at 1/3 and
2/3 of the depth are reduction cells that halve the resolution and double the channels. Each
cell reads the two previous cells' outputs. An optional auxiliary classifier sits after the
second reduction (its loss is added in training; it is not counted as part of the model's
size, as the papers do not), and drop-path zeroes whole non-identity branches.

A cell's output concatenates the states its genotype lists, which may include its
(preprocessed) previous-cell input in a normal cell, as NASNet's and AmoebaNet's TensorFlow
networks do. ``input_convs=2`` stacks a second 1x1 conv on the previous cell's output, as ENAS'
child network does (it calibrates that input to C channels, then projects it again).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nasrun.layers.darts_ops import OPS, FactorizedReduce
from nasrun.layers.nb201_ops import ReLUConvBN
from nasrun.spaces.genotype import CellGenotype, Genotype


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zeroes each sample's branch with probability ``drop_prob``, rescaling the kept ones."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.size(0), 1, 1, 1, device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x * mask / keep


class Cell(nn.Module):
    def __init__(
        self,
        genotype: CellGenotype,
        c_prev_prev: int,
        c_prev: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        input_convs: int = 1,
    ) -> None:
        super().__init__()
        self.genotype = genotype
        self.preprocess0 = (
            FactorizedReduce(c_prev_prev, c) if reduction_prev else ReLUConvBN(c_prev_prev, c, 1)
        )
        self.preprocess1 = ReLUConvBN(c_prev, c, 1)
        if input_convs > 1:  # ENAS' child projects the calibrated input again ("layer_base")
            extra = (ReLUConvBN(c, c, 1) for _ in range(input_convs - 1))
            self.preprocess1 = nn.Sequential(self.preprocess1, *extra)
        self.ops = nn.ModuleList(
            OPS[op](c, 2 if reduction and index < 2 else 1, True)
            for node in genotype.nodes
            for op, index in node
        )
        # A NASNet "concat" combine doubles a node's channels; a 1x1 conv brings them back.
        self.projections = nn.ModuleDict(
            {
                str(k): ReLUConvBN(2 * c, c, 1)
                for k, how in enumerate(genotype.combine)
                if how == "concat"
            }
        )
        self.multiplier = len(genotype.concat)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for k, node in enumerate(self.genotype.nodes):
            branches = []
            for b, (_, index) in enumerate(node):
                op = self.ops[2 * k + b]
                h = op(states[index])
                if self.training and drop_prob > 0 and not isinstance(op, nn.Identity):
                    h = drop_path(h, drop_prob)
                branches.append(h)
            if self.genotype.combine[k] == "concat":
                states.append(self.projections[str(k)](torch.cat(branches, dim=1)))
            else:
                states.append(branches[0] + branches[1])
        return torch.cat([states[i] for i in self.genotype.concat], dim=1)


class AuxiliaryHead(nn.Module):
    """DARTS' CIFAR auxiliary classifier; the 5x5/3 average pool becomes an adaptive pool to 2x2
    (the same 2x2 map on 8x8 CIFAR features, and any input size works)."""

    def __init__(self, c: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(2),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class CellNetwork(nn.Module):
    """DARTS' ``NetworkCIFAR``. ``last_aux_logits`` holds the auxiliary head's output of the
    latest training forward pass (``None`` without the head), for the trainer's extra loss."""

    def __init__(
        self,
        genotype: Genotype,
        num_classes: int,
        input_shape: Sequence[int],
        channels: int = 36,
        layers: int = 20,
        auxiliary: bool = False,
        auxiliary_weight: float = 0.4,
        drop_path_prob: float = 0.0,
        stem_multiplier: int = 3,
        input_convs: int = 1,
    ) -> None:
        super().__init__()
        self.drop_path_prob = drop_path_prob  # the maximum; start_epoch() ramps up to it
        self.drop_prob = 0.0
        self.auxiliary_weight = auxiliary_weight
        self.last_aux_logits: torch.Tensor | None = None
        c_curr = stem_multiplier * channels
        self.stem = nn.Sequential(
            nn.Conv2d(input_shape[0], c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        self.reductions = {layers // 3, 2 * layers // 3} if layers >= 3 else set()
        self.cells = nn.ModuleList()
        reduction_prev, c_aux = False, c_prev
        for i in range(layers):
            reduction = i in self.reductions
            c_curr *= 2 if reduction else 1
            cell = Cell(
                genotype.reduce if reduction else genotype.normal,
                c_prev_prev,
                c_prev,
                c_curr,
                reduction,
                reduction_prev,
                input_convs,
            )
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == 2 * layers // 3:
                c_aux = c_prev
        self.aux_index = 2 * layers // 3
        self.auxiliary_head = AuxiliaryHead(c_aux, num_classes) if auxiliary else None
        self.classifier = nn.Linear(c_prev, num_classes)

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Drop-path probability grows linearly over training (as in DARTS)."""
        self.drop_prob = self.drop_path_prob * epoch / max(1, epochs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        self.last_aux_logits = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_prob)
            if i == self.aux_index and self.auxiliary_head is not None and self.training:
                self.last_aux_logits = self.auxiliary_head(s1)
        return self.classifier(s1.mean(dim=(2, 3)))
