"""JASQ's joint space (Chen et al., "Joint Neural Architecture Search and Quantization", 2018):
any space's architecture plus a weight and an activation bit width for each conv/linear layer,
searched together; the network trains with fake quantisation (straight-through)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.quant.fake import quantize
from nasrun.spaces.base import Arch, Decision, SearchSpace


class QuantizedSpace(SearchSpace):
    """``base``'s decisions, then ``W{i}`` and ``A{i}`` (weight / activation bits of the i-th
    conv or linear layer, in module order) for ``layers`` layers; the layers after the last
    take its bits. String form: ``<base string>#w8a8,w4a8,...``."""

    def __init__(self, base: SearchSpace, bits: Sequence[int], layers: int) -> None:
        if layers < 1 or not bits or min(bits) < 2:
            raise NasrunError("hpo=quant: layers must be at least 1 and every bit width >= 2")
        self.base, self.bits, self.layers = base, tuple(int(b) for b in bits), layers
        self.name = base.name

    def _decisions(self) -> list[Decision]:
        quant = []
        for i in range(self.layers):
            quant += [Decision(f"W{i}", self.bits), Decision(f"A{i}", self.bits)]
        return [*self.base.decisions, *quant]

    def split(self, arch: Arch) -> tuple[Arch, list[tuple[int, int]]]:
        """The base architecture and the (weight, activation) bits per layer."""
        n = len(self.base.decisions)
        bits = arch[n:]
        return tuple(arch[:n]), [(bits[i], bits[i + 1]) for i in range(0, len(bits), 2)]

    def to_string(self, arch: Arch) -> str:
        base, bits = self.split(arch)
        return self.base.to_string(base) + "#" + ",".join(f"w{w}a{a}" for w, a in bits)

    def from_string(self, text: str) -> Arch:
        base, sep, bits = text.rpartition("#")
        try:
            pairs = [tuple(int(v) for v in token[1:].split("a")) for token in bits.split(",")]
        except ValueError:
            pairs = []
        if not sep or len(pairs) != self.layers or any(len(p) != 2 for p in pairs):
            raise NasrunError(
                f"hpo=quant: {text!r} does not end in #w<bits>a<bits>,... x{self.layers}"
            )
        return self.validate(self.base.from_string(base) + tuple(v for p in pairs for v in p))

    def build(self, arch: Arch, num_classes: int, input_shape: Sequence[int]) -> nn.Module:
        base, bits = self.split(arch)
        return quantize(self.base.build(base, num_classes, input_shape), bits)

    def with_network(self, channels: int | None = None, cells: int | None = None) -> SearchSpace:
        return QuantizedSpace(self.base.with_network(channels, cells), self.bits, self.layers)

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any):
        raise NasrunError("hpo=quant searches discrete trials; use hpo=none with one-shot search")
