"""The ops of the DARTS / ENAS / NASNet cell spaces, as in the DARTS reference implementation
(Liu et al., ICLR 2019), which also defines the NASNet and AmoebaNet ops it re-evaluates.

Every op maps ``C`` channels to ``C`` channels; with ``stride=2`` (an op on a cell input of a
reduction cell) it halves the resolution. ``OPS[name](C, stride, affine)`` builds one.
Separable convs are DARTS' "stacked twice" form; dilated convs are dilated depthwise-separable
convs; identity with stride 2 is a factorized reduction. The factorized convs (``conv_7x1_1x7``,
``conv_1x3_3x1``) are the one departure from DARTS' code: they follow the NASNet family's own
TensorFlow code (AmoebaNet's, the one published cell that uses them), which runs them in a 1x1
bottleneck; DARTS' full-width form would add 0.33M (10%) to AmoebaNet-A's CIFAR network.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from nasrun.layers.nb201_ops import ReLUConvBN, Zero


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


class SepConv(nn.Sequential):
    """Two depthwise-separable units, the first one strided (DARTS' ``sep_conv``)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, affine: bool = True):
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, 1, affine),
            DilConv(c_in, c_out, kernel, 1, 1, affine),
        )


class FactorizedConv(nn.Sequential):
    """A 1xk then a kx1 conv (strided along one axis each) inside a 1x1 bottleneck of ``width``
    channels, every conv a ReLU-conv-BN unit: AmoebaNet's ``1x7_7x1`` (tensorflow/tpu)."""

    def __init__(self, c: int, kernel: int, stride: int, width: int, affine: bool = True):
        width = max(1, width)  # tiny test networks keep a channel
        super().__init__(
            ReLUConvBN(c, width, 1, 1, affine),
            ReLUConvBN(width, width, (1, kernel), (1, stride), affine),
            ReLUConvBN(width, width, (kernel, 1), (stride, 1), affine),
            ReLUConvBN(width, c, 1, 1, affine),
        )


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


def _identity(c: int, stride: int, affine: bool) -> nn.Module:
    return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine)


OpFactory = Callable[[int, int, bool], nn.Module]

#: Every op a cell space can use, by the names of the DARTS code base.
OPS: dict[str, OpFactory] = {
    "none": lambda c, stride, affine: Zero(stride),
    "skip_connect": _identity,
    "avg_pool_3x3": lambda c, stride, affine: nn.AvgPool2d(3, stride, 1, count_include_pad=False),
    "max_pool_3x3": lambda c, stride, affine: nn.MaxPool2d(3, stride, 1),
    "max_pool_5x5": lambda c, stride, affine: nn.MaxPool2d(5, stride, 2),
    "max_pool_7x7": lambda c, stride, affine: nn.MaxPool2d(7, stride, 3),
    "conv_1x1": lambda c, stride, affine: ReLUConvBN(c, c, 1, stride, affine),
    "conv_3x3": lambda c, stride, affine: ReLUConvBN(c, c, 3, stride, affine),
    # AmoebaNet's bottlenecks: 3C/8 channels for the 1x3 pair, C/4 for the 1x7 one.
    "conv_1x3_3x1": lambda c, stride, affine: FactorizedConv(c, 3, stride, 3 * c // 8, affine),
    "conv_7x1_1x7": lambda c, stride, affine: FactorizedConv(c, 7, stride, c // 4, affine),
    "sep_conv_3x3": lambda c, stride, affine: SepConv(c, c, 3, stride, affine),
    "sep_conv_5x5": lambda c, stride, affine: SepConv(c, c, 5, stride, affine),
    "sep_conv_7x7": lambda c, stride, affine: SepConv(c, c, 7, stride, affine),
    "dil_conv_3x3": lambda c, stride, affine: DilConv(c, c, 3, stride, 2, affine),
    "dil_conv_5x5": lambda c, stride, affine: DilConv(c, c, 5, stride, 2, affine),
}

#: DARTS' 8 candidate ops (Liu et al. 2019), the ``dag`` space's default.
DARTS_OPS = (
    "none",
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)

#: NASNet's 13 ops (Zoph et al. 2018), the ``nasnet_cell`` space's default. NASNet's "3x3
#: dilated conv" is taken as DARTS' dilated separable conv.
NASNET_OPS = (
    "skip_connect",
    "conv_7x1_1x7",
    "conv_1x3_3x1",
    "avg_pool_3x3",
    "max_pool_3x3",
    "max_pool_5x5",
    "max_pool_7x7",
    "conv_1x1",
    "conv_3x3",
    "dil_conv_3x3",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "sep_conv_7x7",
)
