"""The weight-sharing form of the chain space: one layer of the widest, largest kind per layer,
with every decision mixed in place.

Kernel sizes share one ``k_max x k_max`` kernel whose centre ``kh x kw`` window each choice
selects (the weight-sharing of OFA / FBNetV2); filter counts share the widest layer, of which
each choice keeps the first ``f`` channels; a skip connection is its input scaled by the weight
of "on". So one convolution per layer computes the whole mixture.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from nasrun.errors import NasrunError
from nasrun.spaces.supernet import DecisionSupernet


def _centre_masks(sizes: Sequence[int], k_max: int) -> torch.Tensor:
    """(len(sizes), k_max): row r is 1 on the centred window of ``sizes[r]``."""
    masks = torch.zeros(len(sizes), k_max)
    for row, size in enumerate(sizes):
        start = (k_max - size) // 2
        masks[row, start : start + size] = 1.0
    return masks


class ChainSupernet(DecisionSupernet):
    def __init__(self, space, num_classes: int, input_shape: Sequence[int]) -> None:
        super().__init__(space)
        if len(space.strides) != 1:
            raise NasrunError(
                "chain supernet: give one stride (space.strides=[1]); mixed strides change shapes"
            )
        if any(k % 2 == 0 for k in space.filter_sizes):
            raise NasrunError(
                "chain supernet: filter sizes must be odd, so that every window is centred"
            )
        self.stride = space.strides[0]
        self.k_max, self.f_max = max(space.filter_sizes), max(space.num_filters)
        self.register_buffer("kernel_masks", _centre_masks(space.filter_sizes, self.k_max))
        widths = torch.stack([(torch.arange(self.f_max) < f).float() for f in space.num_filters])
        self.register_buffer("width_masks", widths)  # row r keeps the first num_filters[r] channels
        self.convs, self.depthwise, self.pointwise, self.norms = (nn.ModuleList() for _ in range(4))
        for i in range(space.num_layers):
            c_in = (
                input_shape[0]
                if i == 0
                else self.f_max * (1 + max(0, i - 1) * space.skip_connections)
            )
            self.convs.append(
                nn.Conv2d(c_in, self.f_max, self.k_max, self.stride, self.k_max // 2, bias=False)
            )
            self.depthwise.append(
                nn.Conv2d(
                    c_in, c_in, self.k_max, self.stride, self.k_max // 2, groups=c_in, bias=False
                )
            )
            self.pointwise.append(nn.Conv2d(c_in, self.f_max, 1, bias=False))
            self.norms.append(nn.BatchNorm2d(self.f_max))
        self.classifier = nn.Linear(self.f_max, num_classes)

    def _kernel_mask(self, w: dict[str, torch.Tensor], i: int) -> torch.Tensor:
        rows = w[f"L{i}_kh"] @ self.kernel_masks
        cols = w[f"L{i}_kw"] @ self.kernel_masks
        return rows[:, None] * cols[None, :]

    def _layer(
        self, i: int, x: torch.Tensor, w: dict[str, torch.Tensor], path: dict | None
    ) -> torch.Tensor:
        mask = self._kernel_mask(w, i)
        out = torch.zeros((), device=x.device)
        for op, weight in zip(self.space.ops, w[f"L{i}_op"], strict=True):
            if path is not None and path[f"L{i}_op"] != op:  # single path: only the op taken
                continue
            if op == "conv":
                y = F.conv2d(
                    x, self.convs[i].weight * mask, stride=self.stride, padding=self.k_max // 2
                )
            elif op == "sep":
                depthwise = self.depthwise[i]
                y = F.conv2d(
                    x,
                    depthwise.weight * mask,
                    stride=self.stride,
                    padding=self.k_max // 2,
                    groups=depthwise.groups,
                )
                y = self.pointwise[i](y)
            else:  # pool: each (kh, kw) window's max-pool, weighted like the kernels
                y = 0
                for kh, wh in zip(self.space.filter_sizes, w[f"L{i}_kh"], strict=True):
                    for kw, ww in zip(self.space.filter_sizes, w[f"L{i}_kw"], strict=True):
                        if path is None or (path[f"L{i}_kh"], path[f"L{i}_kw"]) == (kh, kw):
                            y = y + wh * ww * F.max_pool2d(
                                x, (kh, kw), self.stride, (kh // 2, kw // 2)
                            )
                y = self.pointwise[i](y)
            out = out + weight * y
        width = w[f"L{i}_filters"] @ self.width_masks
        return F.relu(self.norms[i](out)) * width[None, :, None, None]

    def forward(self, x, arch=None, weights=None):
        w = self.mixing_weights(arch, weights)
        path = None if arch is None else self.space.to_params(arch)
        features = [x]
        for i in range(self.space.num_layers):
            inputs = [features[i]]
            if self.space.skip_connections:
                for j in range(i - 1):
                    gate = w[f"L{i}_skip{j}"][1]  # the weight of choice True
                    source = features[j + 1]
                    if source.shape[-2:] != features[i].shape[-2:]:
                        source = F.adaptive_avg_pool2d(source, features[i].shape[-2:])
                    inputs.append(gate * source)
            features.append(self._layer(i, torch.cat(inputs, dim=1), w, path))
        return self.classifier(features[-1].mean(dim=(2, 3)))
