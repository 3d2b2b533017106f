"""DARTS' separable conv (Liu et al., ICLR 2019): a depthwise-separable unit applied twice."""

from __future__ import annotations

from torch import nn

from nasrun.layers.dil_conv import DilConv


class SepConv(nn.Sequential):
    """Two depthwise-separable units (undilated :class:`DilConv`), the first one strided."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, affine: bool = True):
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, 1, affine),
            DilConv(c_in, c_out, kernel, 1, 1, affine),
        )
