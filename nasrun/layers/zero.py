"""The ``none`` op of cell search spaces (Liu et al., DARTS, ICLR 2019): an absent edge."""

from __future__ import annotations

import torch
from torch import nn


class Zero(nn.Module):
    """Zeros shaped like the (strided) input; multiplied rather than allocated so that device,
    dtype and autograd follow the input."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)
