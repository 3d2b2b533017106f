"""The PPO controller sampler (search=ppo)."""

from __future__ import annotations

import torch

from nasrun.samplers._controller import ControllerSampler


class PPOSampler(ControllerSampler):
    """The controller of Zoph & Le (2017) trained with Proximal Policy Optimization.

    Schulman et al., "Proximal Policy Optimization Algorithms" (2017), as used for the NASNet
    controller by Zoph et al., "Learning Transferable Architectures" (CVPR 2018). Trials are
    gathered in batches of ``batch_size``; each full batch gets ``update_epochs`` Adam steps on
    the clipped surrogate ``-min(r A, clip(r, 1 - clip, 1 + clip) A) - entropy_weight * H``, where
    ``r`` is the probability ratio against the policy that proposed the batch. The policy stays
    fixed within a batch, so the batch's proposing policy is the one about to be updated.
    """

    def __init__(
        self,
        lr: float = 0.05,
        entropy_weight: float = 1e-3,
        baseline_decay: float = 0.9,
        hidden_size: int = 64,
        n_bins: int = 10,
        batch_size: int = 5,
        update_epochs: int = 4,
        clip: float = 0.2,
        seed: int | None = None,
    ) -> None:
        super().__init__(lr, entropy_weight, baseline_decay, hidden_size, n_bins, seed)
        if batch_size < 1 or update_epochs < 1 or not 0 < clip < 1:
            raise ValueError("need batch_size >= 1, update_epochs >= 1 and 0 < clip < 1")
        self.batch_size, self.update_epochs, self.clip = batch_size, update_epochs, clip

    def _start_learning(self) -> None:
        self._batch: list[tuple[torch.Tensor, float]] = []

    def _learn(self, tokens: torch.Tensor, advantage: float) -> None:
        self._batch.append((tokens, advantage))
        if len(self._batch) < self.batch_size:
            return
        tokens = torch.cat([t for t, _ in self._batch])
        advantages = torch.tensor([a for _, a in self._batch])
        self._batch = []
        with torch.no_grad():
            _, old_log_prob, _ = self.controller(tokens)
        for _ in range(self.update_epochs):
            _, log_prob, entropy = self.controller(tokens)
            ratio = torch.exp(log_prob - old_log_prob)
            clipped = torch.clamp(ratio, 1 - self.clip, 1 + self.clip)
            surrogate = torch.minimum(ratio * advantages, clipped * advantages)
            loss = -(surrogate + self.entropy_weight * entropy).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
