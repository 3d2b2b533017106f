"""A k x k receptive field from a 1xk then a kx1 conv, in the two forms published code uses.

- :class:`FactorizedConv`: DARTS' ``conv_7x1_1x7`` (Liu et al., ICLR 2019, cnn/operations.py):
  ReLU, the two convs at full width, one BN.
- :class:`BottleneckFactorizedConv`: AmoebaNet's ``1x7_7x1`` (Real et al., AAAI 2019,
  tensorflow/tpu ``amoeba_net``): the pair runs inside a 1x1 bottleneck, every conv a
  ReLU-conv-BN unit. It is what AmoebaNet-A's published size needs; DARTS' full-width form
  adds 0.33M (10%) to AmoebaNet-A's CIFAR network.
"""

from __future__ import annotations

from torch import nn

from nasrun.layers.relu_conv_bn import ReLUConvBN


class FactorizedConv(nn.Sequential):
    """ReLU, a 1xk conv (strided along the width), a kx1 conv (strided along the height), BN."""

    def __init__(self, c: int, kernel: int, stride: int, affine: bool = True) -> None:
        pad = kernel // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, (1, kernel), (1, stride), (0, pad), bias=False),
            nn.Conv2d(c, c, (kernel, 1), (stride, 1), (pad, 0), bias=False),
            nn.BatchNorm2d(c, affine=affine),
        )


class BottleneckFactorizedConv(nn.Sequential):
    """A 1xk then a kx1 ReLU-conv-BN unit inside a 1x1 bottleneck of ``width`` channels."""

    def __init__(self, c: int, kernel: int, stride: int, width: int, affine: bool = True):
        width = max(1, width)  # tiny test networks keep a channel
        super().__init__(
            ReLUConvBN(c, width, 1, 1, affine),
            ReLUConvBN(width, width, (1, kernel), (1, stride), affine),
            ReLUConvBN(width, width, (kernel, 1), (stride, 1), affine),
            ReLUConvBN(width, c, 1, 1, affine),
        )
