"""A network's size in bytes at the precision it runs at: each quantised layer's weights at
their bit width, every other parameter (biases, batch-norm) as float32."""

from __future__ import annotations

from torch import nn

from nasrun.quant.fake import FULL_PRECISION, QuantizedLayer


def model_bytes(model: nn.Module) -> float:
    """The bytes of ``model``'s parameters as stored for inference."""
    bits = 0
    quantized_weights = set()
    for module in model.modules():
        if isinstance(module, QuantizedLayer):
            weight = module.layer.weight
            quantized_weights.add(id(weight))
            bits += weight.numel() * min(module.weight_bits, FULL_PRECISION)
    for parameter in model.parameters():
        if id(parameter) not in quantized_weights:
            bits += parameter.numel() * FULL_PRECISION
    return bits / 8
