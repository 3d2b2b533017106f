"""The chain supernet: what a single path ignores, and the settings it refuses."""

from __future__ import annotations

import pytest
import torch

from nasrun.errors import NasrunError
from nasrun.spaces import ChainSpace

SPACE = ChainSpace(
    num_layers=3, num_filters=(4, 6), filter_sizes=(1, 3), ops=("conv", "sep", "pool")
)
X = torch.randn(2, 2, 8, 8)


def test_a_single_path_ignores_the_weights_it_does_not_use():
    # 1x1 kernels and 4 of 6 filters: the rest of every kernel, the unused widths and the
    # depthwise op's weights do not affect the output.
    net2 = SPACE.supernet(5, (2, 8, 8)).eval()
    arch2 = SPACE.from_string("conv1x1-4/1|conv1x1-4/1|conv1x1-4/1<0")
    out = net2(X, arch=arch2)
    with torch.no_grad():
        for i in range(3):
            net2.depthwise[i].weight.add_(1.0)
            net2.convs[i].weight[:, :, 0, :].add_(1.0)
            net2.convs[i].weight[:, :, :, 0].add_(1.0)
            net2.convs[i].weight[4:].add_(1.0)
    assert torch.allclose(out, net2(X, arch=arch2), atol=1e-5)


def test_mixed_strides_are_refused():
    with pytest.raises(NasrunError, match="one stride"):
        ChainSpace(num_layers=2, strides=(1, 2)).supernet(5, (1, 8, 8))
