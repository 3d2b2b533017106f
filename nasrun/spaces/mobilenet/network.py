"""The networks of the MobileNet space: a chain of layers, each described by a
:class:`LayerSpec` (plain data) and built from it.

One list of specs is the network: the standalone network runs them in order, the supernet
builds its candidate blocks from the same specs, and the latency table (:mod:`nasrun.costs`)
measures each spec alone and sums them, so what is timed is exactly what is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from nasrun.layers.mbconv import ACTIVATIONS, MBConv, conv_bn_act


def make_divisible(value: float, divisor: int = 8) -> int:
    """``value`` rounded to a multiple of ``divisor``, never more than 10% below it: the channel
    rule of MobileNetV2's and MnasNet's reference code (so width multipliers give their widths)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded if rounded >= 0.9 * value else rounded + divisor


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a network at one input size.

    ``kind``: ``conv`` (convolution, BN, activation: the stem and the 1x1 head), ``mbconv`` (an
    inverted-residual block) or ``classifier`` (global pooling, dropout, linear layer).
    ``size`` is the input's (height, width).
    """

    kind: str
    c_in: int
    c_out: int
    size: tuple[int, int]
    kernel: int = 1
    stride: int = 1
    expansion: int = 1
    se_ratio: float = 0.0
    activation: str = "relu6"
    dropout: float = 0.0

    @property
    def key(self) -> str:
        """A readable identity of the layer: what a latency table is keyed by."""
        h, w = self.size
        if self.kind == "classifier":
            return f"classifier:{self.c_in}>{self.c_out}@{h}x{w}"
        text = f"{self.kind}:{self.c_in}>{self.c_out}:k{self.kernel}:s{self.stride}"
        if self.kind == "mbconv":
            text += f":e{self.expansion}:se{self.se_ratio:g}"
        return f"{text}:{self.activation}@{h}x{w}"

    @property
    def out_size(self) -> tuple[int, int]:
        if self.kind == "classifier":
            return (1, 1)
        return tuple(-(-s // self.stride) for s in self.size)  # padded kernels: ceil(s / stride)

    def input(self, batch: int = 1, device: torch.device | str = "cpu") -> torch.Tensor:
        """A random input of this layer's shape."""
        return torch.randn(batch, self.c_in, *self.size, device=device)

    def build(self) -> nn.Module:
        if self.kind == "conv":
            return conv_bn_act(
                self.c_in,
                self.c_out,
                self.kernel,
                self.stride,
                activation=ACTIVATIONS[self.activation],
            )
        if self.kind == "mbconv":
            return MBConv(
                self.c_in,
                self.c_out,
                self.kernel,
                self.stride,
                self.expansion,
                self.se_ratio,
                self.activation,
            )
        if self.kind == "classifier":
            return nn.Sequential(
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Dropout(self.dropout),
                nn.Linear(self.c_in, self.c_out),
            )
        raise ValueError(f"unknown layer kind {self.kind!r}")


class MobileNet(nn.Module):
    """A MobileNetV2 / MnasNet / ProxylessNAS network: its layers in order (``layers.i`` is
    ``specs[i]``)."""

    def __init__(self, specs: Sequence[LayerSpec]) -> None:
        super().__init__()
        self.specs = tuple(specs)
        self.layers = nn.Sequential(*(spec.build() for spec in self.specs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
