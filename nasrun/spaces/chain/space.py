"""The chain-structured space of Zoph & Le, "Neural Architecture Search with Reinforcement
Learning" (ICLR 2017).

A network of ``num_layers`` layers. Each layer chooses its filter height and width, its number
of filters, its stride, its op, and - through "anchor points" - which earlier layers feed it
besides the previous one. A layer's inputs are concatenated along channels; inputs of another
spatial size are first resampled to the size of the previous layer's output, so every
architecture builds (the paper zero-pads; resampling keeps the channel count unchanged and
needs no special case). Layer outputs that no later layer reads are concatenated into the
classifier, as in the paper.

String form, one ``|``-separated token per layer::

    conv3x5-36/1|conv3x3-24/1<0|sep5x5-48/2<0,1

``<op><kh>x<kw>-<filters>/<stride>`` then ``<`` and the earlier layers it also reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.chain.network import ChainNet
from nasrun.spaces.supernet import Supernet

_LAYER = re.compile(
    r"^(?P<op>[a-z_]+?)(?P<kh>\d+)x(?P<kw>\d+)-(?P<filters>\d+)/(?P<stride>\d+)(?:<(?P<skips>[\d,]*))?$"
)


class ChainSpace(SearchSpace):
    """Chain-structured CNNs with skip connections (Zoph & Le, ICLR 2017)."""

    name = "chain"

    def __init__(
        self,
        num_layers: int = 6,
        filter_sizes: Sequence[int] = (1, 3, 5, 7),
        num_filters: Sequence[int] = (24, 36, 48, 64),
        strides: Sequence[int] = (1,),
        ops: Sequence[str] = ("conv",),
        skip_connections: bool = True,
    ) -> None:
        if num_layers < 1:
            raise NasrunError("chain: num_layers must be at least 1")
        unknown = set(ops) - {"conv", "sep", "pool"}
        if unknown:
            raise NasrunError(f"chain: unknown ops {sorted(unknown)}; choose from conv, sep, pool")
        self.num_layers = num_layers
        # Checked when the config is built: an empty or non-positive choice would otherwise
        # fail every trial alike (no architecture to draw, a conv with no weights).
        self.filter_sizes = _choices("filter_sizes", filter_sizes)
        self.num_filters = _choices("num_filters", num_filters)
        self.strides = _choices("strides", strides)
        self.ops = tuple(ops)
        self.skip_connections = skip_connections

    def _decisions(self) -> list[Decision]:
        decisions = []
        for i in range(self.num_layers):
            decisions += [
                Decision(f"L{i}_op", self.ops),
                Decision(f"L{i}_kh", self.filter_sizes),
                Decision(f"L{i}_kw", self.filter_sizes),
                Decision(f"L{i}_filters", self.num_filters),
                Decision(f"L{i}_stride", self.strides),
            ]
            if self.skip_connections:
                decisions += [Decision(f"L{i}_skip{j}", (False, True)) for j in range(i - 1)]
        return decisions

    def layers(self, arch: Arch) -> list[dict]:
        """``arch`` as one dict per layer: op, kh, kw, filters, stride, skips."""
        params = self.to_params(self.validate(arch))
        return [
            {
                "op": params[f"L{i}_op"],
                "kh": params[f"L{i}_kh"],
                "kw": params[f"L{i}_kw"],
                "filters": params[f"L{i}_filters"],
                "stride": params[f"L{i}_stride"],
                "skips": [j for j in range(i - 1) if params.get(f"L{i}_skip{j}", False)],
            }
            for i in range(self.num_layers)
        ]

    def to_string(self, arch: Arch) -> str:
        tokens = []
        for layer in self.layers(arch):
            token = f"{layer['op']}{layer['kh']}x{layer['kw']}-{layer['filters']}/{layer['stride']}"
            if layer["skips"]:
                token += "<" + ",".join(map(str, layer["skips"]))
            tokens.append(token)
        return "|".join(tokens)

    def from_string(self, text: str) -> Arch:
        tokens = text.strip().split("|")
        if len(tokens) != self.num_layers:
            raise NasrunError(
                f"chain: expected {self.num_layers} layers in {text!r}, got {len(tokens)}"
            )
        params: dict = {}
        for i, token in enumerate(tokens):
            match = _LAYER.match(token)
            if match is None:
                raise NasrunError(
                    f"chain: cannot read layer {i} {token!r} (expected e.g. conv3x5-36/1<0)"
                )
            params.update(
                {
                    f"L{i}_op": match["op"],
                    f"L{i}_kh": int(match["kh"]),
                    f"L{i}_kw": int(match["kw"]),
                    f"L{i}_filters": int(match["filters"]),
                    f"L{i}_stride": int(match["stride"]),
                }
            )
            skips = {int(j) for j in (match["skips"] or "").split(",") if j}
            if any(j >= i - 1 for j in skips) or (skips and not self.skip_connections):
                raise NasrunError(
                    f"chain: layer {i} can only skip from layers 0..{i - 2}: {token!r}"
                )
            params.update(
                {f"L{i}_skip{j}": j in skips for j in range(i - 1)} if self.skip_connections else {}
            )
        return self.from_params(params)

    def build(self, arch: Arch, num_classes: int, input_shape: Sequence[int]) -> nn.Module:
        return ChainNet(self.layers(arch), num_classes, input_shape)

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        from nasrun.spaces.chain.supernet import ChainSupernet

        return ChainSupernet(self, num_classes, input_shape, **options)

    def inherit(self, child: nn.Module, parent: nn.Module) -> float:
        """The function-preserving morphism of :func:`nasrun.spaces.chain.morphism.inherit`:
        channels line up by the layer they come from, kernels by their centre."""
        from nasrun.spaces.chain.morphism import channel_layout, inherit

        return inherit(child, parent.state_dict(), channel_layout(parent))


def _choices(key: str, values: Sequence[int]) -> tuple[int, ...]:
    """``values`` as the choices of a decision: distinct positive integers, at least one."""
    values = tuple(values)
    bad = [v for v in values if not isinstance(v, int) or isinstance(v, bool) or v < 1]
    if not values or bad or len(set(values)) < len(values):
        raise NasrunError(
            f"chain: space.{key} must list distinct positive integers, got {list(values)}"
        )
    return values
