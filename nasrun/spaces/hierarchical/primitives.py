"""The level-1 primitives of the hierarchical space (Liu et al., ICLR 2018, section 3.1).

Every primitive maps ``C`` channels to ``C`` channels at stride 1 (padded to keep the
resolution); each convolution is followed by batch normalisation and ReLU, as in the paper.
``none`` is the paper's missing edge (a zero output). ``PRIMITIVES[name](C)`` builds one.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def _conv_bn_relu(*convs: nn.Module, channels: int) -> nn.Sequential:
    return nn.Sequential(*convs, nn.BatchNorm2d(channels), nn.ReLU(inplace=False))


class Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


PRIMITIVES: dict[str, Callable[[int], nn.Module]] = {
    "conv_1x1": lambda c: _conv_bn_relu(nn.Conv2d(c, c, 1, bias=False), channels=c),
    "dw_conv_3x3": lambda c: _conv_bn_relu(
        nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), channels=c
    ),
    "sep_conv_3x3": lambda c: _conv_bn_relu(
        nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        channels=c,
    ),
    "max_pool_3x3": lambda c: nn.MaxPool2d(3, stride=1, padding=1),
    "avg_pool_3x3": lambda c: nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
    "identity": lambda c: nn.Identity(),
    "none": lambda c: Zero(),
}
