"""JASQ (``hpo=quant``): per-layer weight/activation bit widths searched with the architecture,
fake quantisation with a straight-through estimator, and model size in bytes."""

from nasrun.quant.fake import QuantizedLayer, fake_quantize, quantize
from nasrun.quant.options import QuantBits
from nasrun.quant.size import model_bytes
from nasrun.quant.space import QuantizedSpace

__all__ = [
    "QuantBits",
    "QuantizedLayer",
    "QuantizedSpace",
    "fake_quantize",
    "model_bytes",
    "quantize",
]
