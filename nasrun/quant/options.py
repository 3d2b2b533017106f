"""``hpo=quant``: search per-layer bit widths with the architecture (JASQ)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import optuna

from nasrun.errors import NasrunError
from nasrun.quant.space import QuantizedSpace

if TYPE_CHECKING:
    from nasrun.estimators import Estimator
    from nasrun.spaces import SearchSpace


class QuantBits:
    """Adds ``W{i}`` / ``A{i}`` bit-width decisions for the first ``layers`` conv/linear layers
    to the run's space (:meth:`wrap_space`); trials then train with fake quantisation. No
    training hyperparameter is searched: :meth:`suggest` asks for nothing more."""

    def __init__(self, bits: Sequence[int] = (2, 4, 8, 16, 32), layers: int = 6) -> None:
        self.bits, self.layers = list(bits), layers

    def wrap_space(self, space: SearchSpace) -> SearchSpace:
        return QuantizedSpace(space, self.bits, self.layers)

    def check(
        self,
        estimator: Estimator,
        sampler: optuna.samplers.BaseSampler,
        pruner: optuna.pruners.BasePruner,
    ) -> None:
        if not estimator.tunable:
            raise NasrunError(f"hpo=quant: estimator {estimator.name!r} trains nothing")

    def suggest(self, trial: optuna.Trial) -> Mapping[str, Any]:
        return {}
