"""DARTS' factorized reduction (Liu et al., ICLR 2019): a stride-2 identity that keeps pixels."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class FactorizedReduce(nn.Module):
    """Halves the resolution without losing pixels: two stride-2 1x1 convs, one shifted by a
    pixel, concatenated (each gives half the output channels)."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        # Pad before shifting so that odd sizes give the same output size on both paths.
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))
