"""SPOS: single-path one-shot NAS with uniform sampling (Guo et al., ECCV 2020)."""

from __future__ import annotations

import random
from typing import Any

import torch
from torch import nn

from nasrun.data import Split
from nasrun.oneshot.base import Batch, OneShotSearcher, SearchData
from nasrun.spaces import Arch, SearchSpace, Supernet
from nasrun.training import WeightOptimiser, batchnorm_kept, recalibrate_batchnorm

_loss_fn = nn.CrossEntropyLoss()


def single_path_step(
    supernet: Supernet,
    space: SearchSpace,
    batch: Batch,
    rng: random.Random,
    weights: WeightOptimiser,
) -> torch.Tensor:
    """One step of uniform single-path training: a fresh random path for the batch."""
    x, y = batch
    loss = _loss_fn(supernet(x, arch=space.sample(rng)), y)
    weights.step(loss)
    return loss


@torch.no_grad()
def recalibrated_accuracy(
    supernet: Supernet,
    arch: Arch,
    calibration: Split,
    valid: Split,
    batches: int = 4,
    batch_size: int = 256,
) -> float:
    """Validation accuracy of one path with batch-norm statistics of its own (re-estimated on
    ``batches`` calibration batches); the supernet's shared statistics are left as they were."""
    inputs = calibration.x[: batches * batch_size]
    with batchnorm_kept(supernet):
        recalibrate_batchnorm(supernet, inputs.split(batch_size), lambda x: supernet(x, arch=arch))
        supernet.eval()
        correct = sum(
            (supernet(x, arch=arch).argmax(1) == y).sum().item() for x, y in valid.batches(512)
        )
    return correct / len(valid)


class SposSearcher(OneShotSearcher):
    """Trains the supernet along uniformly sampled single paths; after each epoch it scores
    ``samples`` random paths (BN recalibrated) on the held-out half and keeps the best. The
    derived architecture is the best path scored so far (the paper follows up with an
    evolutionary search over the trained supernet: with ``search=ea estimator=one_shot`` any
    discrete sampler can do that part).
    """

    name = "spos"

    def __init__(self, samples: int = 10) -> None:
        self.samples = samples
        self.best: tuple[float, Arch] | None = None

    def setup(
        self, supernet: Supernet, weights: WeightOptimiser, seed: int, batch_size: int
    ) -> None:
        super().setup(supernet, weights, seed, batch_size)
        self.space = supernet.space
        self.best = None

    def start_epoch(self, epoch: int, epochs: int) -> None:
        super().start_epoch(epoch, epochs)
        self.rng = random.Random(self.seed * 100_003 + epoch)  # paths, then candidates

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]

    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        return single_path_step(self.supernet, self.space, batch, self.rng, self.weights)

    def end_epoch(self, data: SearchData, generator: torch.Generator) -> None:
        for _ in range(self.samples):
            arch = self.space.sample(self.rng)
            score = recalibrated_accuracy(self.supernet, arch, data.weights, data.arch)
            if self.best is None or score > self.best[0]:
                self.best = (score, arch)

    def derive(self) -> Arch:
        return self.best[1]

    def score(self, data: SearchData) -> float:
        return recalibrated_accuracy(self.supernet, self.derive(), data.weights, data.valid)
