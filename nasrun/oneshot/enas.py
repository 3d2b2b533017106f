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

from typing import Any

import torch
from torch import nn

from nasrun.data import DataModule
from nasrun.oneshot.base import OneShotSearcher, accuracy, epoch_generator, halves
from nasrun.samplers import Controller
from nasrun.spaces import Arch, Supernet


class EnasSearcher(OneShotSearcher):
    name = "enas"

    def __init__(
        self,
        controller_steps: int = 50,
        controller_lr: float = 3.5e-4,
        entropy_weight: float = 1e-4,
        baseline_decay: float = 0.99,
        hidden_size: int = 64,
        samples: int = 10,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        self.controller_steps, self.controller_lr = controller_steps, controller_lr
        self.entropy_weight, self.baseline_decay = entropy_weight, baseline_decay
        self.hidden_size, self.samples = hidden_size, samples

    def setup(self, supernet: Supernet, seed: int) -> None:
        super().setup(supernet, seed)
        self.space = supernet.space
        sizes = [len(d.choices) for d in self.space.decisions]
        self.controller = Controller(sizes, self.hidden_size, seed)
        self.c_opt = torch.optim.Adam(self.controller.parameters(), self.controller_lr)
        self.baseline: float | None = None
        self.best: Arch | None = None

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "controller": self.controller.state_dict(),
            "c_opt": self.c_opt.state_dict(),
            "baseline": self.baseline,
            "best": self.best,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.controller.load_state_dict(state["controller"])
        self.c_opt.load_state_dict(state["c_opt"])
        self.baseline, self.best = state["baseline"], state["best"]

    def _sample(self, generator: torch.Generator) -> tuple[Arch, torch.Tensor, torch.Tensor]:
        tokens, log_prob, entropy = self.controller(generator=generator)
        arch = tuple(
            d.choices[t] for d, t in zip(self.space.decisions, tokens[0].tolist(), strict=True)
        )
        return arch, log_prob[0], entropy[0]

    def train_epoch(self, epoch: int, data: DataModule) -> float:
        train, held_out = halves(data.train)
        generator = epoch_generator(self.seed, epoch)
        loss_fn, total, batches = nn.CrossEntropyLoss(), 0.0, 0
        self.supernet.train()
        for x, y in train.batches(self.batch_size, generator):
            with torch.no_grad():
                arch, _, _ = self._sample(generator)
            loss = loss_fn(self.supernet(x, arch=arch), y)
            self.weight_step(loss)
            total, batches = total + loss.item(), batches + 1
        self._train_controller(held_out, generator)
        self.best = max(
            (self._sample(generator)[0] for _ in range(self.samples)),
            key=lambda arch: accuracy(self.supernet, held_out, arch=arch),
        )
        return total / max(1, batches)

    def _train_controller(self, held_out, generator: torch.Generator) -> None:
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

    def score(self, data: DataModule) -> float:
        return accuracy(self.supernet, data.valid, arch=self.derive())
