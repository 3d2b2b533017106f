"""Fake quantisation with a straight-through estimator (Bengio et al. 2013; Jacob et al. 2018):
the forward pass sees values rounded to ``bits``-bit integers times a scale, the backward pass
treats the rounding as the identity, so a network trains at the precision it will run at."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

FULL_PRECISION = 32  # bit widths at or above this are left as float32


def fake_quantize(x: torch.Tensor, bits: int) -> torch.Tensor:
    """Symmetric, per-tensor uniform quantisation of ``x`` to ``bits`` bits (sign included),
    with the straight-through gradient; ``bits >= 32`` returns ``x``."""
    if bits >= FULL_PRECISION:
        return x
    levels = 2 ** (bits - 1) - 1 if bits > 1 else 1
    scale = x.detach().abs().amax().clamp_min(1e-8) / levels
    quantized = torch.clamp(torch.round(x / scale), -levels, levels) * scale
    return x + (quantized - x).detach()


class QuantizedLayer(nn.Module):
    """A conv or linear layer whose weights run at ``weight_bits`` and whose inputs at
    ``activation_bits`` (JASQ's per-layer precision; Chen et al. 2018). Holds the original
    layer, so parameter names gain one ``layer.`` prefix."""

    def __init__(self, layer: nn.Conv2d | nn.Linear, weight_bits: int, activation_bits: int):
        super().__init__()
        self.layer, self.weight_bits, self.activation_bits = layer, weight_bits, activation_bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = fake_quantize(x, self.activation_bits)
        weight = fake_quantize(self.layer.weight, self.weight_bits)
        if isinstance(self.layer, nn.Linear):
            return F.linear(x, weight, self.layer.bias)
        return self.layer._conv_forward(x, weight, self.layer.bias)

    def extra_repr(self) -> str:
        return f"w{self.weight_bits}a{self.activation_bits}"


def quantizable_layers(model: nn.Module) -> list[tuple[nn.Module, str, nn.Module]]:
    """Every conv and linear layer of ``model`` as (parent, attribute, layer), in module order."""
    found = []
    for parent in model.modules():
        if isinstance(parent, QuantizedLayer):
            continue
        for name, child in parent.named_children():
            if isinstance(child, nn.Conv2d | nn.Linear):
                found.append((parent, name, child))
    return found


def quantize(model: nn.Module, bits: list[tuple[int, int]]) -> nn.Module:
    """``model`` with its i-th conv/linear layer at ``bits[i]`` = (weight, activation) bits;
    layers past the end of ``bits`` take its last entry. In place; returns ``model``."""
    for i, (parent, name, layer) in enumerate(quantizable_layers(model)):
        weight_bits, activation_bits = bits[min(i, len(bits) - 1)]
        setattr(parent, name, QuantizedLayer(layer, weight_bits, activation_bits))
    return model
