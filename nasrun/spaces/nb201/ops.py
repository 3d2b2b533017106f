"""The five cell ops of NAS-Bench-201 (Dong & Yang, ICLR 2020), in the benchmark's order.

Inside an NB201 cell every edge keeps the channel count and the resolution, so each op is
made from the channel count ``C`` alone (``NB201_OPS[name](C)``). The conv ops are NB201's
"nor_conv" ReLU -> Conv -> BN; ``none`` outputs zeros (an edge that is absent); the pool is a
3x3 average that ignores padding, as NB201's ``POOLING`` op is.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from nasrun.layers import ReLUConvBN, Zero

#: NB201's op list, in the benchmark's order; each factory takes the channel count.
NB201_OPS: dict[str, Callable[[int], nn.Module]] = {
    "none": lambda c: Zero(),
    "skip_connect": lambda c: nn.Identity(),
    "nor_conv_1x1": lambda c: ReLUConvBN(c, c, 1),
    "nor_conv_3x3": lambda c: ReLUConvBN(c, c, 3),
    "avg_pool_3x3": lambda c: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
}
OPS = tuple(NB201_OPS)  # none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3
