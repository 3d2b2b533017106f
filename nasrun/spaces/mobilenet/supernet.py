"""The weight-sharing form of the MobileNet space, as ProxylessNAS (Cai et al., ICLR 2019) builds
it: one mixed layer per block, holding every candidate op as its own MBConv (no weights shared
between candidates), around the block's identity shortcut; ``zero`` is the shortcut alone.

A stage's depth (MnasNet's factorisation) is mixed over its possible depths: the stage's output
is ``sum_d w_d * x_d``, ``x_d`` the output after ``d`` blocks; a single path runs its depth's
blocks only. Every mixing group is one decision of the space (:class:`DecisionSupernet`), so
``mixing_parameters()`` line up with ``space.decisions`` and with the latency table's
:meth:`nasrun.costs.LatencyTable.expected_ms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nasrun.spaces.arch import Arch
from nasrun.spaces.mobilenet.network import LayerSpec
from nasrun.spaces.supernet import Active, DecisionSupernet


class MixedBlock(nn.Module):
    """One block's candidates: ``shortcut(x) + sum_k w_k * body_k(x)`` over the ops with weight
    (ProxylessNAS' mixed op); ``zero`` contributes nothing but the shortcut."""

    def __init__(self, choices: Sequence[LayerSpec | None]) -> None:
        super().__init__()
        self.choices = tuple(choices)
        # Keyed by choice index; zero has no module.
        self.candidates = nn.ModuleDict(
            {str(k): spec.build() for k, spec in enumerate(choices) if spec is not None}
        )
        first = next(iter(self.candidates.values()))
        self.residual = first.residual

    def forward(self, x: torch.Tensor, weights: torch.Tensor, active: list[int]) -> torch.Tensor:
        out: Any = x if self.residual else 0
        for k in active:
            if str(k) in self.candidates:
                out = out + weights[k] * self.candidates[str(k)].body(x)
        if isinstance(out, int):  # only zero chosen where there is no shortcut: cannot happen
            raise ValueError("a block without a shortcut needs an op")
        return out


class MobileNetSupernet(DecisionSupernet):
    """ProxylessNAS' over-parameterised network (Cai et al., ICLR 2019) on the MobileNet space,
    with MnasNet's per-stage depth (Tan et al., CVPR 2019) mixed over its choices."""

    def __init__(self, space: Any, num_classes: int, input_shape: Sequence[int]) -> None:
        super().__init__(space)
        head, stages, tail = space.layout(num_classes, input_shape)
        self.stem = nn.Sequential(*(spec.build() for spec in head))
        self.stage_layouts = stages
        self.blocks = nn.ModuleDict(
            {name: MixedBlock(choices) for stage in stages for name, choices in stage.blocks}
        )
        self.tail = nn.Sequential(*(spec.build() for spec in tail))

    def mixed_forward(
        self, x: torch.Tensor, mixes: list[torch.Tensor], active: list[Active] | None
    ) -> torch.Tensor:
        w, on = self.named_mixes(mixes, active)
        x = self.stem(x)
        for stage in self.stage_layouts:
            depth_on = on[stage.depth_decision]
            deepest = max(stage.depths[i] for i in depth_on)
            out: Any = 0
            for b, (name, _) in enumerate(stage.blocks[:deepest]):
                x = self.blocks[name](x, w[name], on[name])
                if b + 1 in stage.depths and stage.depths.index(b + 1) in depth_on:
                    out = out + w[stage.depth_decision][stage.depths.index(b + 1)] * x
            x = out
        return self.tail(x)

    @torch.no_grad()
    def subnet_state(self, arch: Arch) -> dict[str, torch.Tensor]:
        """The state of ``space.build(arch)`` taken from this supernet: each block's chosen
        candidate, so the standalone network computes this supernet's single path of ``arch``."""
        params = self.space.to_params(self.space.validate(arch))
        modules: list[nn.Module] = list(self.stem)
        for stage in self.stage_layouts:
            for name, choices in stage.blocks[: params[stage.depth_decision]]:
                k = self.space.decisions_by_name[name].choices.index(params[name])
                if choices[k] is not None:
                    modules.append(self.blocks[name].candidates[str(k)])
        modules += list(self.tail)
        return {
            f"layers.{i}.{key}": value.clone()
            for i, module in enumerate(modules)
            for key, value in module.state_dict().items()
        }
