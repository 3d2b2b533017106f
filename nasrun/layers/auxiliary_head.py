"""The auxiliary classifier of DARTS' CIFAR network (Liu et al., ICLR 2019; after Szegedy et
al., "Going Deeper with Convolutions", CVPR 2015)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class AuxiliaryPool(nn.Module):
    """DARTS' ``AvgPool2d(5, stride=3, count_include_pad=False)``, which turns the 8x8 map of a
    CIFAR network into 2x2. On maps where that pool does not give 2x2 (other input sizes) it
    averages adaptively to 2x2 instead, so that the head still fits its 2x2 conv."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if all((size - 5) // 3 + 1 == 2 for size in x.shape[-2:]):
            return F.avg_pool2d(x, 5, stride=3, padding=0, count_include_pad=False)
        return F.adaptive_avg_pool2d(x, 2)


class AuxiliaryHead(nn.Module):
    """DARTS' ``AuxiliaryHeadCIFAR``: ReLU, pool to 2x2, 1x1 conv to 128, BN, ReLU, 2x2 conv to
    768, BN, ReLU, linear classifier."""

    def __init__(self, c: int, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            AuxiliaryPool(),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))
