"""The layers of NAS-Bench-201 (Dong & Yang, ICLR 2020): its five cell ops and the residual
block that reduces resolution between stages.

Inside an NB201 cell every edge keeps the channel count and the resolution, so each op is
made from the channel count ``C`` alone (``NB201_OPS[name](C)``). The conv ops are NB201's
"nor_conv" ReLU -> Conv -> BN; ``none`` outputs zeros (an edge that is absent); the pool is a
3x3 average that ignores padding, as NB201's ``POOLING`` op is.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, batch norm: NB201's (and DARTS') conv unit. Kernel and
    stride may be (height, width) pairs; the padding keeps the size (up to the stride)."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        affine: bool = True,
    ) -> None:
        kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        padding = tuple(k // 2 for k in kernel)
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class Zero(nn.Module):
    """The ``none`` op: zeros shaped like the (strided) input, multiplied so that devices and
    dtypes follow."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class ResNetBasicBlock(nn.Module):
    """He et al.'s basic block as NB201 uses it between stages: two ReLU-Conv-BN 3x3 units,
    and a 2x2 average pool plus 1x1 conv on the shortcut when the block reduces."""

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


#: NB201's op list, in the benchmark's order; each factory takes the channel count.
NB201_OPS: dict[str, Callable[[int], nn.Module]] = {
    "none": lambda c: Zero(),
    "skip_connect": lambda c: nn.Identity(),
    "nor_conv_1x1": lambda c: ReLUConvBN(c, c, 1),
    "nor_conv_3x3": lambda c: ReLUConvBN(c, c, 3),
    "avg_pool_3x3": lambda c: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
}
