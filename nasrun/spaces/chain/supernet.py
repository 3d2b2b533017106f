"""The weight-sharing form of the chain space: one layer of the widest, largest kind per layer,
with every decision mixed in place.

Kernel sizes share one ``k_max x k_max`` kernel whose centre ``kh x kw`` window each choice
selects (the weight-sharing of OFA / FBNetV2); filter counts share the widest layer, of which
each choice keeps the first ``f`` channels; a skip connection is its input scaled by the weight
of "on". So one convolution per layer computes the whole mixture.

Layer ``i`` reads layer ``i - 1`` then every layer ``j < i - 1`` (gated), each ``f_max`` wide, so
:meth:`ChainSupernet.subnet_state` can cut a standalone network's weights out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from nasrun.errors import NasrunError
from nasrun.spaces.arch import Arch
from nasrun.spaces.chain.network import resample
from nasrun.spaces.supernet import Active, DecisionSupernet


def _centre_masks(sizes: Sequence[int], k_max: int) -> torch.Tensor:
    """(len(sizes), k_max): row r is 1 on the centred window of ``sizes[r]``."""
    masks = torch.zeros(len(sizes), k_max)
    for row, size in enumerate(sizes):
        start = (k_max - size) // 2
        masks[row, start : start + size] = 1.0
    return masks


class ChainSupernet(DecisionSupernet):
    """The chain space's supernet (Zoph & Le's space, ICLR 2017, shared as in FBNetV2, Wan et
    al., CVPR 2020)."""

    def __init__(self, space: Any, num_classes: int, input_shape: Sequence[int]) -> None:
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
        self, i: int, x: torch.Tensor, w: dict[str, torch.Tensor], on: dict[str, list[int]]
    ) -> torch.Tensor:
        mask = self._kernel_mask(w, i)
        sizes, padding = self.space.filter_sizes, self.k_max // 2
        out = torch.zeros((), device=x.device)
        for k in on[f"L{i}_op"]:
            op = self.space.ops[k]
            if op == "conv":
                y = F.conv2d(x, self.convs[i].weight * mask, stride=self.stride, padding=padding)
            elif op == "sep":
                depthwise = self.depthwise[i]
                y = F.conv2d(
                    x,
                    depthwise.weight * mask,
                    stride=self.stride,
                    padding=padding,
                    groups=depthwise.groups,
                )
                y = self.pointwise[i](y)
            else:  # pool: each (kh, kw) window's max-pool, weighted like the kernels
                y = 0
                for a in on[f"L{i}_kh"]:
                    for b in on[f"L{i}_kw"]:
                        kh, kw = sizes[a], sizes[b]
                        pooled = F.max_pool2d(x, (kh, kw), self.stride, (kh // 2, kw // 2))
                        y = y + w[f"L{i}_kh"][a] * w[f"L{i}_kw"][b] * pooled
                y = self.pointwise[i](y)
            out = out + w[f"L{i}_op"][k] * y
        width = w[f"L{i}_filters"] @ self.width_masks
        return F.relu(self.norms[i](out)) * width[None, :, None, None]

    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        w, on = self.named_mixes(mixes, active)
        features = [x]
        for i in range(self.space.num_layers):
            inputs = [features[i]]
            if self.space.skip_connections:
                for j in range(i - 1):
                    gate = w[f"L{i}_skip{j}"][1]  # the weight of choice True
                    inputs.append(gate * resample(features[j + 1], features[i].shape[-2:]))
            features.append(self._layer(i, torch.cat(inputs, dim=1), w, on))
        return self.classifier(features[-1].mean(dim=(2, 3)))

    @torch.no_grad()
    def subnet_state(self, arch: Arch) -> dict[str, torch.Tensor]:
        """The state of ``space.build(arch)`` cut from the shared weights: each layer's centre
        ``kh x kw`` window, its first ``f`` filters, and the input channels of the layers it
        reads; so the standalone network computes this supernet's single path of ``arch``."""
        state, f_prev = {}, None
        layers = self.space.layers(arch)
        for i, layer in enumerate(layers):
            f, kh, kw = layer["filters"], layer["kh"], layer["kw"]
            rows = slice((self.k_max - kh) // 2, (self.k_max + kh) // 2)
            cols = slice((self.k_max - kw) // 2, (self.k_max + kw) // 2)
            if i == 0:
                channels = torch.arange(self.convs[0].in_channels)
            else:  # the previous layer's first filters, then each skip's block of f_max
                blocks = [(0, f_prev)] + [(1 + j, layers[j]["filters"]) for j in layer["skips"]]
                channels = torch.cat([b * self.f_max + torch.arange(n) for b, n in blocks])
            prefix, op = f"layers.{i}.body.", layer["op"]
            if op == "conv":
                weight = self.convs[i].weight[:f][:, channels][:, :, rows, cols]
                modules = {"0.weight": weight}
            elif op == "sep":
                depthwise = self.depthwise[i].weight[channels][:, :, rows, cols]
                pointwise = self.pointwise[i].weight[:f][:, channels]
                modules = {"0.weight": depthwise, "1.weight": pointwise}
            else:
                modules = {"1.weight": self.pointwise[i].weight[:f][:, channels]}
            norm = self.norms[i]
            bn = str(len(modules) if op != "pool" else 2)
            for name in ("weight", "bias", "running_mean", "running_var"):
                modules[f"{bn}.{name}"] = getattr(norm, name)[:f]
            modules[f"{bn}.num_batches_tracked"] = norm.num_batches_tracked
            state.update({prefix + k: v.clone() for k, v in modules.items()})
            f_prev = f
        state["classifier.weight"] = self.classifier.weight[:, :f_prev].clone()
        state["classifier.bias"] = self.classifier.bias.clone()
        return state
