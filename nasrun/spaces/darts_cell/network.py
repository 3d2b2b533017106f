"""DARTS' macro network (Liu et al., ICLR 2019), one skeleton for the evaluation network
(:class:`CellNetwork`, DARTS' ``NetworkCIFAR``, built from a :class:`Genotype`) and the search
network (:mod:`nasrun.spaces.darts_cell.supernet`), each filling it with its own cells.

A stem conv of ``stem_multiplier * C`` channels, then ``layers`` cells; the cells at 1/3 and
2/3 of the depth are reduction cells that halve the resolution and double the channels. Each
cell reads the two previous cells' outputs. The evaluation network adds an optional auxiliary
classifier after the second reduction (its loss is added in training; it is not counted as
part of the model's size, as the papers do not), and drop-path zeroes whole non-identity
branches with a probability that grows over training.

A cell's output concatenates the states its genotype lists, which may include its
(preprocessed) previous-cell input in a normal cell, as NASNet's and AmoebaNet's TensorFlow
networks do. ``input_convs=2`` stacks a second 1x1 conv on the previous cell's output, as ENAS'
child network does (it calibrates that input to C channels, then projects it again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from nasrun.layers import AuxiliaryHead, FactorizedReduce, ReLUConvBN, drop_path
from nasrun.spaces.darts_cell.genotype import CellGenotype, Genotype
from nasrun.spaces.darts_cell.ops import OPS

#: ``make_cell(c_prev_prev, c_prev, c, reduction, reduction_prev)``: a cell whose
#: ``multiplier`` says how many ``c``-channel states its output concatenates.
MakeCell = Callable[[int, int, int, bool, bool], nn.Module]


def preprocess(c_prev_prev: int, c_prev: int, c: int, reduction_prev: bool, affine: bool = True):
    """A cell's two input projections to ``c`` channels; the older input is also halved in
    resolution when the previous cell reduced."""
    first = (
        FactorizedReduce(c_prev_prev, c, affine)
        if reduction_prev
        else ReLUConvBN(c_prev_prev, c, 1, affine=affine)
    )
    return first, ReLUConvBN(c_prev, c, 1, affine=affine)


class MacroNetwork(nn.Module):
    """DARTS' macro skeleton around cells made by ``make_cell`` (see :data:`MakeCell`).

    Keyword arguments of ``forward`` go to every cell (a supernet passes its mixing weights).
    ``make_auxiliary(channels)`` builds an auxiliary head for the output of cell ``aux_index``
    (after the second reduction); the subclass decides when to run it.
    """

    def __init__(
        self,
        make_cell: MakeCell,
        num_classes: int,
        in_channels: int,
        channels: int,
        layers: int,
        stem_multiplier: int = 3,
        make_auxiliary: Callable[[int], nn.Module] | None = None,
    ) -> None:
        super().__init__()
        c_curr = stem_multiplier * channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr)
        )
        c_prev_prev, c_prev, c_curr = c_curr, c_curr, channels
        reductions = {layers // 3, 2 * layers // 3} if layers >= 3 else set()
        self.cells = nn.ModuleList()
        self.aux_index, self.aux_channels = 2 * layers // 3, c_prev
        reduction_prev = False
        for i in range(layers):
            reduction = i in reductions
            c_curr *= 2 if reduction else 1
            cell = make_cell(c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_prev_prev, c_prev = c_prev, cell.multiplier * c_curr
            if i == self.aux_index:
                self.aux_channels = c_prev
        # Made before the classifier, as DARTS does, so that seeded initialisations agree.
        self.auxiliary_head = None if make_auxiliary is None else make_auxiliary(self.aux_channels)
        self.classifier = nn.Linear(c_prev, num_classes)

    def cell_outputs(self, x: torch.Tensor, **cell_inputs: Any) -> Iterator[torch.Tensor]:
        """Each cell's output in turn."""
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, **cell_inputs)
            yield s1

    def head(self, features: torch.Tensor) -> torch.Tensor:
        return self.classifier(features.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor, **cell_inputs: Any) -> torch.Tensor:
        *_, features = self.cell_outputs(x, **cell_inputs)
        return self.head(features)


class Cell(nn.Module):
    """An evaluation cell: per node two ops on earlier states, added (or concatenated and
    projected back, a NASNet combine); the output concatenates ``genotype.concat``."""

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
        self.preprocess0, self.preprocess1 = preprocess(c_prev_prev, c_prev, c, reduction_prev)
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


class CellNetwork(MacroNetwork):
    """DARTS' ``NetworkCIFAR`` (Liu et al., ICLR 2019). It follows DARTS' training recipe
    (:class:`nasrun.training.recipe.TrainingRecipe`): drop-path grows linearly over the epochs,
    and ``auxiliary_loss`` adds the auxiliary head's loss weighted by ``auxiliary_weight``.
    ``last_aux_logits`` holds that head's output of the latest training forward pass."""

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
        def make_cell(c_prev_prev, c_prev, c, reduction, reduction_prev) -> Cell:
            cell = genotype.reduce if reduction else genotype.normal
            return Cell(cell, c_prev_prev, c_prev, c, reduction, reduction_prev, input_convs)

        def make_auxiliary(c: int) -> AuxiliaryHead:
            return AuxiliaryHead(c, num_classes)

        super().__init__(
            make_cell,
            num_classes,
            input_shape[0],
            channels,
            layers,
            stem_multiplier,
            make_auxiliary if auxiliary else None,
        )
        self.drop_path_prob = drop_path_prob  # the maximum; start_epoch() ramps up to it
        self.drop_prob = 0.0
        self.auxiliary_weight = auxiliary_weight
        self.last_aux_logits: torch.Tensor | None = None

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Drop-path probability grows linearly over training (as in DARTS)."""
        self.drop_prob = self.drop_path_prob * epoch / max(1, epochs)

    def auxiliary_loss(
        self, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], targets: torch.Tensor
    ) -> torch.Tensor | None:
        if self.last_aux_logits is None:
            return None
        return self.auxiliary_weight * loss_fn(self.last_aux_logits, targets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.last_aux_logits = None
        for i, features in enumerate(self.cell_outputs(x, drop_prob=self.drop_prob)):
            if i == self.aux_index and self.auxiliary_head is not None and self.training:
                self.last_aux_logits = self.auxiliary_head(features)
        return self.head(features)
