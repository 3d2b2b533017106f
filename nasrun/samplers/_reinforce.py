"""The REINFORCE controller sampler (search=rl)."""

from __future__ import annotations

import torch

from nasrun.samplers._controller import ControllerSampler


class ReinforceSampler(ControllerSampler):
    """Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017).

    An LSTM controller proposes every parameter of a trial in turn; after each complete trial
    it takes one Adam step on the REINFORCE loss ``-advantage * log p(trial) - entropy_weight *
    entropy`` (Williams 1992), with the moving-average baseline of the paper and an entropy
    bonus that keeps it exploring (as in ENAS, Pham et al. 2018).

    Usable in any Optuna study::

        study = optuna.create_study(direction="maximize", sampler=ReinforceSampler(seed=0))
    """

    def _start_learning(self) -> None:
        pass

    def _learn(self, tokens: torch.Tensor, advantage: float) -> None:
        _, log_prob, entropy = self.controller(tokens)
        loss = -(advantage * log_prob + self.entropy_weight * entropy).sum()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
