"""ReLU -> Conv -> BN, the conv unit of DARTS (Liu et al., ICLR 2019) and NAS-Bench-201."""

from __future__ import annotations

from torch import nn


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, batch norm (DARTS' and NB201's conv unit). Kernel and
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
