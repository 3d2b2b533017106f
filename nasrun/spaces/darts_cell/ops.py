"""The op table of the DARTS / ENAS / NASNet cell spaces, by the names of the DARTS code base
(Liu et al., ICLR 2019, ``cnn/operations.py``), which also defines the NASNet and AmoebaNet ops
it re-evaluates.

Every op maps ``C`` channels to ``C`` channels; with ``stride=2`` (an op on a cell input of a
reduction cell) it halves the resolution. ``OPS[name](C, stride, affine)`` builds one.
Separable convs are DARTS' "stacked twice" form; dilated convs are dilated depthwise-separable
convs; identity with stride 2 is a factorized reduction.

A name means what it means in DARTS' code, so a pasted DARTS genotype builds as DARTS builds it:
``conv_7x1_1x7`` is DARTS' full-width form, and ``conv_1x3_3x1`` (which DARTS lacks) is built
the same way. The ``_bottleneck`` variants are the form of AmoebaNet's TensorFlow code (Real et
al., AAAI 2019, tensorflow/tpu), the one published cell family that uses these convs; the zoo's
``amoebanet_a`` takes them, which its published size needs.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from nasrun.layers import (
    BottleneckFactorizedConv,
    DilConv,
    FactorizedConv,
    FactorizedReduce,
    ReLUConvBN,
    SepConv,
    Zero,
)


def _identity(c: int, stride: int, affine: bool) -> nn.Module:
    return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine)


OpFactory = Callable[[int, int, bool], nn.Module]

#: Every op a cell space can use.
OPS: dict[str, OpFactory] = {
    "none": lambda c, stride, affine: Zero(stride),
    "skip_connect": _identity,
    "avg_pool_3x3": lambda c, stride, affine: nn.AvgPool2d(3, stride, 1, count_include_pad=False),
    "max_pool_3x3": lambda c, stride, affine: nn.MaxPool2d(3, stride, 1),
    "max_pool_5x5": lambda c, stride, affine: nn.MaxPool2d(5, stride, 2),
    "max_pool_7x7": lambda c, stride, affine: nn.MaxPool2d(7, stride, 3),
    "conv_1x1": lambda c, stride, affine: ReLUConvBN(c, c, 1, stride, affine),
    "conv_3x3": lambda c, stride, affine: ReLUConvBN(c, c, 3, stride, affine),
    "conv_1x3_3x1": lambda c, stride, affine: FactorizedConv(c, 3, stride, affine),
    "conv_7x1_1x7": lambda c, stride, affine: FactorizedConv(c, 7, stride, affine),
    # AmoebaNet's bottlenecks: 3C/8 channels for the 1x3 pair, C/4 for the 1x7 one.
    "conv_1x3_3x1_bottleneck": lambda c, stride, affine: BottleneckFactorizedConv(
        c, 3, stride, 3 * c // 8, affine
    ),
    "conv_7x1_1x7_bottleneck": lambda c, stride, affine: BottleneckFactorizedConv(
        c, 7, stride, c // 4, affine
    ),
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

#: NASNET_OPS with AmoebaNet's TensorFlow forms of the factorized convs (zoo ``amoebanet_a``).
AMOEBANET_OPS = tuple(
    f"{op}_bottleneck" if op.startswith(("conv_7x1", "conv_1x3")) else op for op in NASNET_OPS
)
