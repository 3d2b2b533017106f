"""GDAS: Searching for a robust neural architecture in four GPU hours (Dong & Yang, CVPR 2019)."""

from __future__ import annotations

from typing import Any

import torch

from nasrun.oneshot.base import SearchData, accuracy
from nasrun.oneshot.darts import DartsSearcher
from nasrun.oneshot.gumbel import gumbel_softmax
from nasrun.training.optimiser import OptimizerFactory


class GdasSearcher(DartsSearcher):
    """DARTS with a differentiable *sampler*: each step draws one choice per decision by
    Gumbel-softmax (hard one-hot forward, soft gradient), so only the sampled path matters
    for the loss; the temperature anneals linearly from ``tau_max`` to ``tau_min``.
    """

    name = "gdas"

    def __init__(
        self,
        tau_max: float = 10.0,
        tau_min: float = 0.1,
        arch_optimizer: OptimizerFactory | None = None,
    ) -> None:
        super().__init__(order=1, arch_optimizer=arch_optimizer)
        self.tau_max, self.tau_min = tau_max, tau_min

    def tau(self) -> float:
        progress = (self.epoch - 1) / max(1, self.epochs - 1)
        return self.tau_max - (self.tau_max - self.tau_min) * progress

    def mixing(self, generator: torch.Generator) -> dict[str, Any]:
        tau = self.tau()
        return {
            "weights": [
                gumbel_softmax(alpha, tau, generator, hard=True)  # straight-through
                for alpha in self.supernet.arch_parameters()
            ]
        }

    def score(self, data: SearchData) -> float:
        return accuracy(self.supernet, data.valid, arch=self.derive())
