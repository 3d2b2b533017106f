"""Low-fidelity training: train each candidate briefly and score it on the validation split."""

from __future__ import annotations

import time
from collections.abc import Callable

import optuna
import torch

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Result
from nasrun.spaces import Arch, SearchSpace
from nasrun.training import EpochStats, Trainer, count_flops, count_params


def trial_seed(trial: optuna.Trial) -> int:
    """A per-trial seed derived from the run's seed, so reruns train identically."""
    base = trial.study.user_attrs.get("seed", 0)
    return (base * 1_000_003 + trial.number) % 2**31


class LowFidelityEstimator(Estimator):
    """Trains for a few epochs on (a fraction of) the train split; returns validation accuracy.

    Fewer epochs, less data, a narrower or shallower proxy network (``channels``, ``cells``:
    see :meth:`SearchSpace.with_network`) and smaller images (``resolution``) make each
    estimate cheap; the ranking of architectures, not their absolute accuracy, is what the
    search needs (Zela et al. 2018). The fidelity is recorded on every trial. Validation
    accuracy is reported after every epoch, so any Optuna pruner can stop a trial.
    """

    name = "low_fidelity"

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        epochs: int = 3,
        train_fraction: float = 1.0,
        channels: int | None = None,
        cells: int | None = None,
        resolution: int | None = None,
    ) -> None:
        if epochs < 1:
            raise NasrunError("estimator.epochs must be at least 1")
        if not 0 < train_fraction <= 1:
            raise NasrunError("estimator.train_fraction must be in (0, 1]")
        self.space = space.with_network(channels=channels, cells=cells)
        self.dataset = dataset if resolution is None else dataset.resized(resolution)
        self.trainer = trainer
        self.epochs = epochs
        self.train_fraction = train_fraction
        proxy = {"channels": channels, "cells": cells, "resolution": resolution}
        self.proxy = "".join(f",{k}={v}" for k, v in proxy.items() if v is not None)

    def stop_early(self, trial: optuna.Trial, curve: dict[int, float]) -> bool:
        """Whether to end training after the epochs in ``curve``; the study's pruner decides too."""
        return False

    def initial_model(self, arch: Arch, trial: optuna.Trial, seed: int) -> torch.nn.Module:
        """The network to train, freshly initialised from ``seed``."""
        data = self.dataset
        # fork_rng seeds the weight init without touching the global generator.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self.space.build(arch, data.num_classes, data.input_shape).to(data.device)

    def epochs_for(self, trial: optuna.Trial) -> int:
        return self.epochs

    def trained(self, arch: Arch, trial: optuna.Trial, model: torch.nn.Module) -> None:
        """Called with the trained network of a complete trial."""

    def evaluate(
        self,
        arch: Arch,
        trial: optuna.Trial,
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> Result:
        start = time.perf_counter()
        seed = trial_seed(trial)
        data = self.dataset
        model = self.initial_model(arch, trial, seed)
        params, flops = count_params(model), count_flops(model, data.input_shape)
        epochs = self.epochs_for(trial)
        curve: dict[int, float] = {}

        def report(stats: EpochStats) -> None:
            if on_epoch is not None:
                on_epoch(stats)
            curve[stats.epoch] = stats.valid_acc
            trial.report(stats.valid_acc, stats.epoch)
            # Pruning after the last epoch would save nothing and discard a finished result.
            finished = stats.epoch >= epochs
            if not finished and (trial.should_prune() or self.stop_early(trial, curve)):
                trial.set_user_attr("epochs", stats.epoch)
                raise optuna.TrialPruned(f"pruned after epoch {stats.epoch}")

        history = self.trainer.fit(
            model,
            data,
            epochs=epochs,
            train=data.train.head(self.train_fraction),
            seed=seed,
            on_epoch=report,
        )
        self.trained(arch, trial, model)
        last = history.last
        return Result(
            value=last.valid_acc,
            metrics={
                "train_loss": last.train_loss,
                "train_acc": last.train_acc,
                "epochs": last.epoch,
            },
            test_value=self.trainer.accuracy(model, data.test),
            params=params,
            flops=flops,
            cost_s=time.perf_counter() - start,
            fidelity=f"epochs={epochs},data={self.train_fraction:g}{self.proxy}",
        )
