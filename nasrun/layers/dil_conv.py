"""DARTS' dilated depthwise-separable conv (Liu et al., ICLR 2019), also the unit of SepConv."""

from __future__ import annotations

from torch import nn


class DilConv(nn.Sequential):
    """ReLU, depthwise conv (dilated), pointwise conv, BN."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, dilation: int, affine: bool = True
    ) -> None:
        padding = dilation * (kernel - 1) // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel, stride, padding, dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )
