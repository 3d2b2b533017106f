"""He et al.'s basic residual block ("Deep Residual Learning", CVPR 2016) in the pre-activation
ReLU-Conv-BN form NAS-Bench-201 (Dong & Yang, ICLR 2020) puts between its stages."""

from __future__ import annotations

import torch
from torch import nn

from nasrun.layers.relu_conv_bn import ReLUConvBN


class ResNetBasicBlock(nn.Module):
    """Two ReLU-Conv-BN 3x3 units, and a 2x2 average pool plus 1x1 conv on the shortcut when
    the block reduces (NB201's ``ResNetBasicblock``)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 2) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        if stride == 2:
            self.shortcut: nn.Module = nn.Sequential(
                nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False)
            )
        elif c_in != c_out:
            self.shortcut = ReLUConvBN(c_in, c_out, 1)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))
