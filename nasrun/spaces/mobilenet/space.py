"""The MobileNet space: chains of inverted-residual (MBConv) blocks as MobileNetV2 (Sandler et
al., CVPR 2018), MnasNet (Tan et al., CVPR 2019) and ProxylessNAS (Cai et al., ICLR 2019) define
them.

A fixed stem (3x3 convolution, stride 2) and first block (MBConv, expansion 1, 3x3), then
stages of up to ``stage_layers[s]`` blocks, a 1x1 head convolution and a linear classifier.
Decisions, in MnasNet's factorised form:

- per stage ``S{s}_depth``: how many of its blocks run (``min_layers`` .. ``stage_layers[s]``),
  and ``S{s}_width``: a multiplier of its width (``stage_widths``);
- per block ``S{s}_B{b}``: its op, ``k{kernel}_e{expansion}`` with ``_se`` for
  squeeze-and-excitation, or ``zero`` (ProxylessNAS' zero op: the block is skipped and its
  identity shortcut remains). Only a stage's first block changes stride and width, so every
  later block has the shortcut and may be ``zero``.

String form (:mod:`nasrun.spaces.mobilenet.encoding`), one token per stage::

    d2w1:k3_e6,k3_e6,zero,k5_e3|d3w1:k5_e3_se,k5_e3_se,k5_e3_se,zero|...
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from nasrun.errors import NasrunError
from nasrun.layers.mbconv import ACTIVATIONS
from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.mobilenet.encoding import ZERO, format_stages, op_name, parse_op, parse_stages
from nasrun.spaces.mobilenet.network import LayerSpec, MobileNet, make_divisible
from nasrun.spaces.supernet import Supernet


@dataclass(frozen=True)
class StageLayout:
    """One stage as the latency model and the supernet see it: the depth decision and, per
    block, its decision and each choice's layer (None for ``zero``)."""

    depth_decision: str
    depths: tuple[int, ...]
    blocks: tuple[tuple[str, tuple[LayerSpec | None, ...]], ...]


class MobileNetSpace(SearchSpace):
    """MobileNetV2 / MnasNet / ProxylessNAS networks of MBConv blocks (see the module docstring)."""

    name = "mobilenet"

    def __init__(
        self,
        stage_channels: Sequence[int] = (24, 40, 80, 96, 192, 320),
        stage_layers: Sequence[int] = (4, 4, 4, 4, 4, 1),
        stage_strides: Sequence[int] = (2, 2, 2, 1, 2, 1),
        min_layers: int = 1,
        stage_widths: Sequence[float] = (1.0,),
        kernel_sizes: Sequence[int] = (3, 5, 7),
        expansions: Sequence[int] = (1, 3, 6),
        squeeze_excite: Sequence[bool] = (False, True),
        zero_op: bool = True,
        se_ratio: float = 0.25,
        stem_channels: int = 32,
        first_block_channels: int = 16,
        head_channels: int | None = 1280,
        width_multiplier: float = 1.0,
        channel_divisor: int = 8,
        activation: str = "relu6",
        dropout: float = 0.2,
    ) -> None:
        self.stage_channels = tuple(stage_channels)
        self.stage_layers = tuple(stage_layers)
        self.stage_strides = tuple(stage_strides)
        if not (len(self.stage_channels) == len(self.stage_layers) == len(self.stage_strides) > 0):
            raise NasrunError(
                "mobilenet: stage_channels, stage_layers and stage_strides must list one value "
                f"per stage, got {len(self.stage_channels)}, {len(self.stage_layers)} and "
                f"{len(self.stage_strides)}"
            )
        _positive("stage_channels", self.stage_channels)
        _positive("stage_layers", self.stage_layers)
        _positive("stage_strides", self.stage_strides)
        if any(k % 2 == 0 for k in _positive("kernel_sizes", kernel_sizes)):
            raise NasrunError(f"mobilenet: kernel_sizes must be odd, got {list(kernel_sizes)}")
        _positive("expansions", expansions)
        if not stage_widths or any(w <= 0 for w in stage_widths):
            raise NasrunError(f"mobilenet: stage_widths must be positive, got {list(stage_widths)}")
        if activation not in ACTIVATIONS:
            raise NasrunError(
                f"mobilenet: unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}"
            )
        if not squeeze_excite:
            raise NasrunError("mobilenet: squeeze_excite must list false and/or true")
        self.min_layers = max(1, min_layers)
        self.stage_widths = tuple(stage_widths)
        self.ops = tuple(
            op_name(k, e, se)
            for k, e, se in itertools.product(kernel_sizes, expansions, squeeze_excite)
        )
        self.zero_op = zero_op
        self.se_ratio = se_ratio
        self.stem_channels = stem_channels
        self.first_block_channels = first_block_channels
        self.head_channels = head_channels
        self.width_multiplier = width_multiplier
        self.channel_divisor = channel_divisor
        self.activation = activation
        self.dropout = dropout

    # -- decisions and strings ----------------------------------------------------------------

    def block_ops(self, block: int) -> tuple[str, ...]:
        """The ops block ``block`` of a stage may take (``zero`` only after the first)."""
        return self.ops + ((ZERO,) if self.zero_op and block > 0 else ())

    def depths(self, stage: int) -> tuple[int, ...]:
        most = self.stage_layers[stage]
        return tuple(range(min(self.min_layers, most), most + 1))

    def _decisions(self) -> list[Decision]:
        decisions = []
        for s, layers in enumerate(self.stage_layers):
            decisions += [
                Decision(f"S{s}_depth", self.depths(s)),
                Decision(f"S{s}_width", self.stage_widths),
            ]
            decisions += [Decision(f"S{s}_B{b}", self.block_ops(b)) for b in range(layers)]
        return decisions

    @property
    def decisions_by_name(self) -> dict[str, Decision]:
        return {d.name: d for d in self.decisions}

    def stages(self, arch: Arch) -> list[dict[str, Any]]:
        """``arch`` as one dict per stage: depth, width and the op of every block."""
        params = self.to_params(self.validate(arch))
        return [
            {
                "depth": params[f"S{s}_depth"],
                "width": params[f"S{s}_width"],
                "ops": [params[f"S{s}_B{b}"] for b in range(layers)],
            }
            for s, layers in enumerate(self.stage_layers)
        ]

    def to_string(self, arch: Arch) -> str:
        return format_stages(self.stages(arch))

    def from_string(self, text: str) -> Arch:
        params: dict[str, Any] = {}
        for s, stage in enumerate(parse_stages(text, self.stage_layers)):
            # The choice itself, so the arch holds exactly what suggest() would (1 vs 1.0).
            width = next((w for w in self.stage_widths if w == stage["width"]), stage["width"])
            params[f"S{s}_depth"] = stage["depth"]
            params[f"S{s}_width"] = width
            params.update({f"S{s}_B{b}": op for b, op in enumerate(stage["ops"])})
        return self.from_params(params)

    # -- networks -----------------------------------------------------------------------------

    def _round(self, channels: float) -> int:
        return make_divisible(channels * self.width_multiplier, self.channel_divisor)

    def stage_width(self, stage: int, width: float) -> int:
        return self._round(self.stage_channels[stage] * width)

    def _stem(self, input_shape: Sequence[int]) -> list[LayerSpec]:
        """The stem convolution and the first block."""
        act = self.activation
        size = (input_shape[1], input_shape[2])
        c_stem = self._round(self.stem_channels)
        stem = LayerSpec("conv", input_shape[0], c_stem, size, kernel=3, stride=2, activation=act)
        specs = [stem]
        if self.first_block_channels:
            c_first = self._round(self.first_block_channels)
            specs.append(LayerSpec("mbconv", c_stem, c_first, stem.out_size, 3, activation=act))
        return specs

    def _tail(self, c_in: int, size: tuple[int, int], num_classes: int) -> list[LayerSpec]:
        """The head convolution and the classifier."""
        specs = []
        if self.head_channels:
            # MobileNetV2's rule: the head is never narrowed below its given width.
            c_head = make_divisible(
                self.head_channels * max(1.0, self.width_multiplier), self.channel_divisor
            )
            specs.append(LayerSpec("conv", c_in, c_head, size, activation=self.activation))
            c_in = c_head
        specs.append(LayerSpec("classifier", c_in, num_classes, size, dropout=self.dropout))
        return specs

    def block_spec(
        self, op: str, c_in: int, c_out: int, size: tuple[int, int], stride: int
    ) -> LayerSpec | None:
        """The layer of ``op`` (None for ``zero``)."""
        if op == ZERO:
            return None
        kernel, expansion, se = parse_op(op)
        se_ratio = self.se_ratio if se else 0.0
        return LayerSpec(
            "mbconv", c_in, c_out, size, kernel, stride, expansion, se_ratio, self.activation
        )

    def layer_specs(
        self, arch: Arch, num_classes: int, input_shape: Sequence[int]
    ) -> list[LayerSpec]:
        """Every layer of ``arch``'s network, in order: the network is exactly these."""
        specs = self._stem(input_shape)
        c, size = specs[-1].c_out, specs[-1].out_size
        for s, stage in enumerate(self.stages(arch)):
            c_out = self.stage_width(s, stage["width"])
            for b, op in enumerate(stage["ops"][: stage["depth"]]):
                stride = self.stage_strides[s] if b == 0 else 1
                spec = self.block_spec(op, c, c_out, size, stride)
                if spec is not None:
                    specs.append(spec)
                    c, size = spec.c_out, spec.out_size
        return specs + self._tail(c, size, num_classes)

    def build(self, arch: Arch, num_classes: int, input_shape: Sequence[int]) -> nn.Module:
        return MobileNet(self.layer_specs(arch, num_classes, input_shape))

    def supernet(self, num_classes: int, input_shape: Sequence[int], **options: Any) -> Supernet:
        from nasrun.spaces.mobilenet.supernet import MobileNetSupernet

        return MobileNetSupernet(self, num_classes, input_shape, **options)

    # -- what the latency model and the supernet need ----------------------------------------

    def layout(
        self, num_classes: int, input_shape: Sequence[int]
    ) -> tuple[list[LayerSpec], list[StageLayout], list[LayerSpec]]:
        """The stem layers, every stage's candidate layers and the tail layers of the
        weight-sharing network; needs one stage width (a stage's width changes every shape)."""
        if len(self.stage_widths) != 1:
            raise NasrunError(
                "mobilenet: the supernet and the expected-latency term need one stage width "
                f"(space.stage_widths=[1.0]), got {list(self.stage_widths)}"
            )
        width = self.stage_widths[0]
        head = self._stem(input_shape)
        c, size = head[-1].c_out, head[-1].out_size
        stages = []
        for s, layers in enumerate(self.stage_layers):
            c_out, blocks = self.stage_width(s, width), []
            for b in range(layers):
                stride = self.stage_strides[s] if b == 0 else 1
                choices = tuple(
                    self.block_spec(op, c, c_out, size, stride) for op in self.block_ops(b)
                )
                blocks.append((f"S{s}_B{b}", choices))
                c, size = c_out, choices[0].out_size
            stages.append(StageLayout(f"S{s}_depth", self.depths(s), tuple(blocks)))
        return head, stages, self._tail(c, size, num_classes)

    def all_layer_specs(self, num_classes: int, input_shape: Sequence[int]) -> set[LayerSpec]:
        """Every layer any architecture of the space can contain (what a latency table holds)."""
        stem = self._stem(input_shape)
        specs, inputs, size = set(stem), {stem[-1].c_out}, stem[-1].out_size
        for s, layers in enumerate(self.stage_layers):
            widths = {self.stage_width(s, w) for w in self.stage_widths}
            for b in range(layers):
                stride = self.stage_strides[s] if b == 0 else 1
                made = [
                    self.block_spec(op, c_in, c_out, size, stride)
                    for c_out in widths
                    for c_in in (inputs if b == 0 else {c_out})
                    for op in self.ops
                ]
                specs.update(made)
                size = made[0].out_size
            inputs = widths
        # A stage's first block always runs, so the head reads the last stage's width.
        for c_in in inputs:
            specs.update(self._tail(c_in, size, num_classes))
        return specs


def _positive(key: str, values: Sequence[int]) -> tuple[int, ...]:
    values = tuple(values)
    if not values or any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in values):
        raise NasrunError(f"mobilenet: space.{key} must list positive integers, got {list(values)}")
    return values
