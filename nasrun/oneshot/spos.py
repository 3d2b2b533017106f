"""SPOS: single-path one-shot NAS with uniform sampling (Guo et al., ECCV 2020)."""

from __future__ import annotations

import random
from typing import Any

import torch
from torch import nn

from nasrun.data import DataModule, Split
from nasrun.oneshot.base import OneShotSearcher, epoch_generator, halves
from nasrun.spaces import Arch, SearchSpace, Supernet


def train_single_path_epoch(
    supernet: Supernet,
    space: SearchSpace,
    train: Split,
    batch_size: int,
    generator: torch.Generator,
    rng: random.Random,
    step,
) -> float:
    """One epoch of uniform single-path training: a fresh random path for every batch."""
    loss_fn, total, batches = nn.CrossEntropyLoss(), 0.0, 0
    supernet.train()
    for x, y in train.batches(batch_size, generator):
        loss = loss_fn(supernet(x, arch=space.sample(rng)), y)
        step(loss)
        total, batches = total + loss.item(), batches + 1
    return total / max(1, batches)


@torch.no_grad()
def recalibrated_accuracy(
    supernet: Supernet,
    arch: Arch,
    calibration: Split,
    valid: Split,
    batches: int = 4,
    batch_size: int = 256,
) -> float:
    """Validation accuracy of one path after re-estimating its batch-norm statistics.

    Shared BN statistics mix every path; SPOS recomputes them for the path being scored.
    """
    norms = [m for m in supernet.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [
        (m.running_mean.clone(), m.running_var.clone(), m.momentum)
        for m in norms
        if m.track_running_stats
    ]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the calibration batches
    supernet.train()
    for i, (x, _) in enumerate(calibration.batches(batch_size)):
        if i == batches:
            break
        supernet(x, arch=arch)
    supernet.eval()
    correct = sum(
        (supernet(x, arch=arch).argmax(1) == y).sum().item() for x, y in valid.batches(512)
    )
    for m, (mean, var, momentum) in zip(
        [m for m in norms if m.track_running_stats], saved, strict=True
    ):
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
        m.momentum = momentum
    return correct / len(valid)


class SposSearcher(OneShotSearcher):
    """Trains the supernet along uniformly sampled single paths; after each epoch it scores
    ``samples`` random paths (BN recalibrated) on the held-out half and keeps the best. The
    derived architecture is the best path scored so far (the paper follows up with an
    evolutionary search over the trained supernet: with ``search=ea estimator=one_shot`` any
    discrete sampler can do that part).
    """

    name = "spos"

    def __init__(self, samples: int = 10, **common: Any) -> None:
        super().__init__(**common)
        self.samples = samples
        self.best: tuple[float, Arch] | None = None

    def setup(self, supernet: Supernet, seed: int) -> None:
        super().setup(supernet, seed)
        self.space = supernet.space

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.best = state["best"]

    def train_epoch(self, epoch: int, data: DataModule) -> float:
        train, _ = halves(data.train)
        rng = random.Random(self.seed * 100_003 + epoch)
        loss = train_single_path_epoch(
            self.supernet,
            self.space,
            train,
            self.batch_size,
            epoch_generator(self.seed, epoch),
            rng,
            self.weight_step,
        )
        _, held_out = halves(data.train)
        for _ in range(self.samples):
            arch = self.space.sample(rng)
            score = recalibrated_accuracy(self.supernet, arch, train, held_out)
            if self.best is None or score > self.best[0]:
                self.best = (score, arch)
        return loss

    def derive(self) -> Arch:
        return self.best[1]

    def score(self, data: DataModule) -> float:
        return recalibrated_accuracy(
            self.supernet, self.derive(), halves(data.train)[0], data.valid
        )
