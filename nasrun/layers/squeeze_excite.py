"""Squeeze-and-excitation (Hu et al., CVPR 2018) as MnasNet (Tan et al., CVPR 2019) places it
inside an inverted-residual block: after the depthwise convolution, on the expanded channels."""

from __future__ import annotations

import torch
from torch import nn


class SqueezeExcite(nn.Module):
    """Channel gates from the global average: ``channels -> reduced -> channels`` 1x1
    convolutions (with bias), the block's activation between them and a sigmoid gate."""

    def __init__(self, channels: int, reduced: int, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.activation = activation(inplace=True)
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.expand(self.activation(self.reduce(x.mean(dim=(2, 3), keepdim=True))))
        return x * torch.sigmoid(gate)
