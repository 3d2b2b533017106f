"""The network of the chain space (Zoph & Le, ICLR 2017): layers whose inputs are the
concatenated outputs of earlier layers, resampled to the previous layer's size.

Every layer reads the one before it, so only the last layer's output reaches the classifier
(the paper concatenates the layers no other layer reads; here that is the last one alone).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F


def resample(x: torch.Tensor, size: torch.Size) -> torch.Tensor:
    """``x`` at spatial ``size`` (a skip from a layer before a stride): averaged, not padded, so
    that every architecture builds and channel counts stay as chosen."""
    return x if x.shape[-2:] == size else F.adaptive_avg_pool2d(x, size)


class ChainLayer(nn.Module):
    """One layer: a conv, depthwise-separable conv or max-pool of kh x kw, then BN and ReLU."""

    def __init__(self, op: str, c_in: int, c_out: int, kh: int, kw: int, stride: int) -> None:
        super().__init__()
        padding = (kh // 2, kw // 2)
        if op == "conv":
            body = [nn.Conv2d(c_in, c_out, (kh, kw), stride, padding, bias=False)]
        elif op == "sep":
            body = [
                nn.Conv2d(c_in, c_in, (kh, kw), stride, padding, groups=c_in, bias=False),
                nn.Conv2d(c_in, c_out, 1, bias=False),
            ]
        elif op == "pool":
            # Pooling keeps the channel count; a 1x1 projection gives the chosen filter count.
            body = [nn.MaxPool2d((kh, kw), stride, padding), nn.Conv2d(c_in, c_out, 1, bias=False)]
        else:
            raise ValueError(f"unknown chain op {op!r}")
        self.body = nn.Sequential(*body, nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class ChainNet(nn.Module):
    """A chain network (Zoph & Le, ICLR 2017) of ``layers`` (dicts as :meth:`ChainSpace.layers`
    gives them); ``inputs[i]`` lists the layers layer ``i`` reads (-1: the image)."""

    def __init__(self, layers: list[dict], num_classes: int, input_shape: Sequence[int]) -> None:
        super().__init__()
        channels = [input_shape[0]]  # channels[i + 1] is layer i's output width
        self.inputs: list[list[int]] = []  # -1 stands for the image
        self.layers = nn.ModuleList()
        for i, layer in enumerate(layers):
            sources = [i - 1, *layer["skips"]]
            self.inputs.append(sources)
            c_in = sum(channels[s + 1] for s in sources)
            self.layers.append(
                ChainLayer(
                    layer["op"], c_in, layer["filters"], layer["kh"], layer["kw"], layer["stride"]
                )
            )
            channels.append(layer["filters"])
        read = {s for sources in self.inputs[1:] for s in sources}
        self.outputs = [i for i in range(len(layers)) if i not in read or i == len(layers) - 1]
        self.classifier = nn.Linear(sum(channels[i + 1] for i in self.outputs), num_classes)

    @staticmethod
    def _gather(features: list[torch.Tensor], sources: list[int]) -> torch.Tensor:
        size = features[sources[0] + 1].shape[-2:]
        parts = [resample(features[s + 1], size) for s in sources]
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for sources, layer in zip(self.inputs, self.layers, strict=True):
            features.append(layer(self._gather(features, sources)))
        pooled = [features[i + 1].mean(dim=(2, 3)) for i in self.outputs]
        return self.classifier(torch.cat(pooled, dim=1))
