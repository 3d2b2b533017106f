"""A latency look-up table: the measured latency of every layer a space can build, and an
architecture's predicted latency as the sum of its layers' (ProxylessNAS, Cai et al., ICLR 2019,
§3.3; MnasNet, Tan et al., CVPR 2019, measures whole networks on the phone instead).

Besides :meth:`LatencyTable.predict`, the table gives each mixed layer of the space's supernet a
tensor of its candidates' latencies, and from the supernet's mixing weights the differentiable
expected latency ``E[LAT] = fixed + sum_blocks P(block runs) * sum_k w_k * LAT_k`` that
ProxylessNAS adds to its loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from nasrun.errors import NasrunError
from nasrun.spaces.arch import Arch


class LatencyTable:
    """Per-layer latencies (ms) of one space's networks at one input shape on one device.

    ``space`` is a space with ``layer_specs(arch, num_classes, input_shape)`` and
    ``layout(num_classes, input_shape)`` (the MobileNet space); ``entries`` maps each
    ``LayerSpec.key`` to milliseconds (built and cached by :func:`nasrun.costs.latency_table`).
    """

    def __init__(
        self,
        space: Any,
        num_classes: int,
        input_shape: Sequence[int],
        entries: Mapping[str, float],
        device: str = "",
        path: Path | None = None,
        new_layers: int = 0,
    ) -> None:
        self.space = space
        self.num_classes = num_classes
        self.input_shape = tuple(input_shape)
        self.entries = dict(entries)
        self.device = device
        self.path = path  # the cache file it was read from and written to
        self.new_layers = new_layers  # how many layers were measured when it was built
        self._op_ms: dict[str, torch.Tensor] | None = None
        self._fixed, self._stages = 0.0, None

    def layer_ms(self, spec: Any) -> float:
        """The latency of one layer (0 for ``None``, a skipped block)."""
        if spec is None:
            return 0.0
        try:
            return self.entries[spec.key]
        except KeyError:
            raise NasrunError(
                f"the latency table has no entry for layer {spec.key}; rebuild it for this "
                "space and input shape (nasrun-latency)"
            ) from None

    def predict(self, arch: Arch) -> float:
        """``arch``'s predicted latency in milliseconds: the sum of its layers'."""
        specs = self.space.layer_specs(arch, self.num_classes, self.input_shape)
        return sum(self.layer_ms(spec) for spec in specs)

    def _layout(self) -> tuple[float, list]:
        """The fixed layers' latency and the stages' candidate layers (computed once: the
        expected latency is asked for at every step of a one-shot search)."""
        if self._stages is None:
            head, stages, tail = self.space.layout(self.num_classes, self.input_shape)
            self._fixed = sum(self.layer_ms(s) for s in [*head, *tail])
            self._stages = stages
        return self._fixed, self._stages

    @property
    def fixed_ms(self) -> float:
        """The latency every architecture has: stem, first block, head and classifier."""
        return self._layout()[0]

    def op_latencies(self) -> dict[str, torch.Tensor]:
        """Per mixed layer (a block decision of the space, e.g. ``S2_B1``): the latency of each
        of its choices, in the decision's order (``zero``: 0)."""
        if self._op_ms is None:
            _, stages = self._layout()
            self._op_ms = {
                name: torch.tensor([self.layer_ms(spec) for spec in choices])
                for stage in stages
                for name, choices in stage.blocks
            }
        return self._op_ms

    def expected_ms(self, mixes: Sequence[torch.Tensor]) -> torch.Tensor:
        """The expected latency (ms) under mixing weights ``mixes``: one probability vector per
        decision of the space, in ``space.decisions`` order (e.g. ``softmax`` of the supernet's
        ``mixing_parameters()``, or its binarised path weights). Differentiable in ``mixes``.

        A stage's block ``b`` runs when the stage's depth exceeds ``b``; its expected latency is
        that probability times its candidates' latencies weighted by ``mixes``.
        """
        names = [d.name for d in self.space.decisions]
        if len(mixes) != len(names):
            raise ValueError(f"expected {len(names)} mixing vectors, got {len(mixes)}")
        w = dict(zip(names, mixes, strict=True))
        fixed, stages = self._layout()
        ops = self.op_latencies()
        total = torch.tensor(fixed, device=mixes[0].device, dtype=mixes[0].dtype)
        for stage in stages:
            depth = w[stage.depth_decision]
            for b, (name, _) in enumerate(stage.blocks):
                runs = sum(depth[i] for i, d in enumerate(stage.depths) if d > b)
                block = (w[name] * ops[name].to(w[name])).sum()
                total = total + runs * block
        return total
