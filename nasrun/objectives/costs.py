"""The costs an objective can weigh against accuracy, by name: ``params``, ``flops``,
``size_bytes`` (the network's weights in bytes at their bit widths, JASQ) and ``latency_ms``
(the predicted latency of the measured look-up table).

Parameters and FLOPs come from the estimator's :class:`Result` when it carries them (the
tabular estimator computes NB201's); the others are measured on the network ``space`` builds
for the run's inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nasrun.errors import NasrunError
from nasrun.training import count_flops, count_params

if TYPE_CHECKING:
    from torch import nn

    from nasrun.estimators import Result
    from nasrun.spaces import Arch, SearchSpace

COSTS = ("params", "flops", "size_bytes", "latency_ms")
#: The user attribute (and type) a cost is recorded as, as the recorder records the Result's:
#: ``n_params`` (``params`` would sit beside Optuna's ``params_*`` columns in
#: ``study.trials_dataframe()``; trials.csv says ``params``); counts are whole numbers.
ATTRIBUTES = {"params": ("n_params", int), "flops": ("flops", int)}


def recorded(values: dict[str, float]) -> dict[str, float]:
    """``values`` by cost or score name -> the same by the user attribute each is recorded as."""
    renamed = {}
    for name, value in values.items():
        key, kind = ATTRIBUTES.get(name, (name, float))
        renamed[key] = kind(value)
    return renamed


class Costs:
    """Measures named costs of architectures of ``space`` on ``dataset``'s inputs."""

    def __init__(
        self, space: SearchSpace, dataset: Any, latency: Mapping[str, Any] | None = None
    ) -> None:
        self.space, self.dataset, self.latency_options = space, dataset, latency
        self.latency: Any = None

    @staticmethod
    def check(name: str) -> str:
        if name not in COSTS:
            raise NasrunError(f"objective: unknown cost {name!r}; known: {list(COSTS)}")
        return name

    def __call__(self, name: str, arch: Arch, result: Result | None = None) -> float:
        if result is not None and getattr(result, name, None) is not None:
            return float(getattr(result, name))
        if result is not None and name in result.metrics:
            return float(result.metrics[name])
        if name == "params":
            return float(count_params(self._network(arch)))
        if name == "flops":
            return float(count_flops(self._network(arch), self.dataset.input_shape))
        if name == "size_bytes":
            from nasrun.quant.size import model_bytes

            return float(model_bytes(self._network(arch)))
        if name == "latency_ms":
            return float(self.latency_model()(arch))
        raise NasrunError(f"objective: unknown cost {name!r}; known: {list(COSTS)}")

    def _network(self, arch: Arch) -> nn.Module:
        return _build(self.space, arch, self.dataset.num_classes, tuple(self.dataset.input_shape))

    def latency_model(self) -> Any:
        if self.latency is None:
            from nasrun.objectives.latency import latency_model

            self.latency = latency_model(self.space, self.dataset, self.latency_options)
        return self.latency


@functools.lru_cache(maxsize=64)
def _build(space: SearchSpace, arch: Arch, num_classes: int, shape: tuple[int, ...]) -> nn.Module:
    """One build per architecture: several costs of one trial share it."""
    return space.build(arch, num_classes, shape)
