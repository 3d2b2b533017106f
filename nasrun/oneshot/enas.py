"""ENAS: efficient NAS via parameter sharing (Pham et al., ICML 2018).

Each epoch alternates ENAS' two phases on the supernet's shared weights:

1. the shared weights train on the training half, one controller-sampled path per batch;
2. the LSTM controller (Zoph & Le's, :class:`~nasrun.samplers.Controller`) learns by REINFORCE
   from sampled paths' accuracy on held-out batches: an exponential-moving-average baseline,
   an entropy bonus, Adam.

The derived architecture is the best of ``samples`` controller samples on the held-out half
(the paper samples several and keeps the best).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from torch import nn

from nasrun.data import Split
from nasrun.oneshot.base import Batch, OneShotSearcher, SearchData, accuracy
from nasrun.samplers import Controller
from nasrun.spaces import Arch, Supernet
from nasrun.training import WeightOptimiser
from nasrun.training.optimiser import OptimizerFactory


class EnasSearcher(OneShotSearcher):
    """ENAS' alternation of shared-weight steps on controller-sampled paths with REINFORCE
    updates of the controller (Pham et al., ICML 2018)."""

    name = "enas"

    def __init__(
        self,
        controller_steps: int = 50,
        controller_optimizer: OptimizerFactory | None = None,
        entropy_weight: float = 1e-4,
        baseline_decay: float = 0.99,
        hidden_size: int = 64,
        samples: int = 10,
    ) -> None:
        self.controller_steps = controller_steps
        self.controller_optimizer = controller_optimizer or partial(torch.optim.Adam, lr=3.5e-4)
        self.entropy_weight, self.baseline_decay = entropy_weight, baseline_decay
        self.hidden_size, self.samples = hidden_size, samples
        self.loss_fn = nn.CrossEntropyLoss()

    def setup(
        self, supernet: Supernet, weights: WeightOptimiser, seed: int, batch_size: int
    ) -> None:
        super().setup(supernet, weights, seed, batch_size)
        self.space = supernet.space
        sizes = [len(d.choices) for d in self.space.decisions]
        self.controller = Controller(sizes, self.hidden_size, seed)
        self.c_opt = self.controller_optimizer(self.controller.parameters())
        self.baseline: float | None = None
        self.best: Arch | None = None

    def state_dict(self) -> dict[str, Any]:
        return {
            "controller": self.controller.state_dict(),
            "c_opt": self.c_opt.state_dict(),
            "baseline": self.baseline,
            "best": self.best,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.controller.load_state_dict(state["controller"])
        self.c_opt.load_state_dict(state["c_opt"])
        self.baseline, self.best = state["baseline"], state["best"]

    def _sample(self, generator: torch.Generator) -> tuple[Arch, torch.Tensor, torch.Tensor]:
        tokens, log_prob, entropy = self.controller(generator=generator)
        arch = tuple(
            d.choices[t] for d, t in zip(self.space.decisions, tokens[0].tolist(), strict=True)
        )
        return arch, log_prob[0], entropy[0]

    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        x, y = batch
        with torch.no_grad():
            arch, _, _ = self._sample(generator)
        loss = self.loss_fn(self.supernet(x, arch=arch), y)
        self.weights.step(loss)
        return loss

    def end_epoch(self, data: SearchData, generator: torch.Generator) -> None:
        self._train_controller(data.arch, generator)
        self.best = max(
            (self._sample(generator)[0] for _ in range(self.samples)),
            key=lambda arch: accuracy(self.supernet, data.arch, arch=arch),
        )

    def _train_controller(self, held_out: Split, generator: torch.Generator) -> None:
        steps = 0
        while steps < self.controller_steps:
            for x, y in held_out.batches(self.batch_size, generator):
                arch, log_prob, entropy = self._sample(generator)
                with torch.no_grad():  # reward: the path's accuracy on one held-out batch
                    reward = (self.supernet(x, arch=arch).argmax(1) == y).float().mean().item()
                self.baseline = (
                    reward
                    if self.baseline is None
                    else self.baseline_decay * self.baseline + (1 - self.baseline_decay) * reward
                )
                loss = -(reward - self.baseline) * log_prob - self.entropy_weight * entropy
                self.c_opt.zero_grad(set_to_none=True)
                loss.backward()
                self.c_opt.step()
                steps += 1
                if steps == self.controller_steps:
                    return

    def derive(self) -> Arch:
        return self.best

    def score(self, data: SearchData) -> float:
        return accuracy(self.supernet, data.valid, arch=self.derive())
