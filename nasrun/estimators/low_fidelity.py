"""Low-fidelity training: train each candidate briefly and score it on the validation split."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna
import torch
from optuna.pruners import BasePruner
from optuna.trial import FrozenTrial, TrialState

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Pruned, Result, trial_seed
from nasrun.estimators.initializer import Initializer, Start
from nasrun.pruners import ExplainsDecisions
from nasrun.spaces import Arch, SearchSpace
from nasrun.training import EpochStats, Trainer, count_flops, count_params

#: The ``hyperparameters`` keys evaluate applies: the trainer's, and the training length.
TRAINING_SETTINGS = frozenset({"lr", "weight_decay", "batch_size", "optimizer", "momentum"})


class LowFidelityEstimator(Estimator):
    """Trains for a few epochs on (a fraction of) the train split; returns validation accuracy.

    Fewer epochs, less data, a narrower or shallower proxy network (``channels``, ``cells``:
    see :meth:`SearchSpace.with_network`) and smaller images (``resolution``) make each
    estimate cheap; the ranking of architectures, not their absolute accuracy, is what the
    search needs (Zela et al., "Towards Automated Deep Learning: Efficient Joint Neural
    Architecture and Hyperparameter Search", 2018). The fidelity is recorded on every trial.
    With ``data_fraction=[low, high]`` each trial suggests its own training fraction
    (``data_fraction``, log-uniform): the fidelity a multi-fidelity sampler chooses (FABOLAS).

    Variants compose instead of subclassing: an ``initializer`` prepares each fresh network
    (weight inheritance: :class:`nasrun.estimators.WeightInheritance`), and a ``stopper`` (any
    Optuna pruner, e.g. :class:`nasrun.pruners.CurveExtrapolationPruner`) is consulted after
    every epoch beside the search's own pruner, so either composes with any search.
    """

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        seed: int = 0,
        epochs: int = 3,
        train_fraction: float = 1.0,
        data_fraction: Sequence[float] | None = None,
        channels: int | None = None,
        cells: int | None = None,
        resolution: int | None = None,
        initializer: Initializer | None = None,
        stopper: BasePruner | None = None,
        name: str = "low_fidelity",
    ) -> None:
        if epochs < 1:
            raise NasrunError("estimator.epochs must be at least 1")
        if not 0 < train_fraction <= 1:
            raise NasrunError("estimator.train_fraction must be in (0, 1]")
        if data_fraction is not None and not (
            len(data_fraction) == 2 and 0 < data_fraction[0] <= data_fraction[1] <= 1
        ):
            raise NasrunError(
                "estimator.data_fraction must be [low, high] with 0 < low <= high <= 1"
            )
        self.space = space.with_network(channels=channels, cells=cells)
        self.dataset = dataset if resolution is None else dataset.resized(resolution)
        self.trainer, self.seed, self.name = trainer, seed, name
        self.epochs = epochs
        self.train_fraction = train_fraction
        # Searched per trial: the training-set fraction as a fidelity (search=fabolas picks it).
        self.data_fraction = tuple(data_fraction) if data_fraction is not None else None
        self.initializer, self.stopper = initializer, stopper
        # A stopper judges curves against its own final epoch: a searched length would not match.
        self.tunable = TRAINING_SETTINGS | ({"epochs"} if stopper is None else set())
        proxy = {"channels": channels, "cells": cells, "resolution": resolution}
        self.proxy = "".join(f",{k}={v}" for k, v in proxy.items() if v is not None)

    def evaluate(
        self,
        arch: Arch,
        trial: optuna.Trial,
        hyperparameters: Mapping[str, Any] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> Result:
        start = time.perf_counter()
        settings = dict(hyperparameters or {})
        epochs = settings.pop("epochs", self.epochs)
        trainer = self.trainer.with_hyperparameters(settings) if settings else self.trainer
        seed = trial_seed(self.seed, trial.number)
        data = self.dataset
        fraction = self.train_fraction
        if self.data_fraction is not None:
            fraction = trial.suggest_float("data_fraction", *self.data_fraction, log=True)
        model = self._build(arch, seed)
        params, flops = count_params(model), count_flops(model, data.input_shape)
        begun = Start()
        if self.initializer is not None:
            begun = self.initializer.start(self.space, arch, model, trial)
        epochs = begun.epochs or epochs
        metrics: dict[str, float] = dict(begun.metrics)

        def result(stats: EpochStats, test_value: float | None = None) -> Result:
            return Result(
                value=stats.valid_acc,
                metrics={
                    "train_loss": stats.train_loss,
                    "train_acc": stats.train_acc,
                    "epochs": stats.epoch,
                    **metrics,
                },
                test_value=test_value,
                params=params,
                flops=flops,
                cost_s=time.perf_counter() - start,
                fidelity=f"epochs={epochs},data={fraction:g}{self.proxy}",
            )

        def report(stats: EpochStats) -> None:
            if on_epoch is not None:
                on_epoch(stats)
            trial.report(stats.valid_acc, stats.epoch)
            # Stopping after the last epoch would save nothing and discard a finished result.
            if stats.epoch < epochs and self._stops(trial, metrics):
                raise Pruned(result(stats), f"pruned after epoch {stats.epoch}")

        history = trainer.fit(
            model,
            data,
            epochs=epochs,
            train=data.train.head(fraction),
            seed=seed,
            on_epoch=report,
        )
        if self.initializer is not None:
            self.initializer.trained(arch, trial, model)
        return result(history.last, test_value=trainer.accuracy(model, data.test))

    def _build(self, arch: Arch, seed: int) -> torch.nn.Module:
        """The network to train, freshly initialised from ``seed``."""
        data = self.dataset
        # fork_rng seeds the weight init without touching the global generator.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self.space.build(arch, data.num_classes, data.input_shape).to(data.device)

    def _stops(self, trial: optuna.Trial, metrics: dict[str, float]) -> bool:
        """Whether the stopper or the search's pruner ends ``trial`` now; what the stopper's
        decision rests on goes into ``metrics``."""
        if self.stopper is not None:
            frozen = _running(trial)
            if isinstance(self.stopper, ExplainsDecisions):
                metrics.update(self.stopper.metrics(trial.study, frozen))
            if self.stopper.prune(trial.study, frozen):
                return True
        return trial.should_prune()


def _running(trial: optuna.Trial) -> FrozenTrial:
    """The stored record of the running ``trial`` (intermediate values included), as a pruner
    reads it, through the study's public API."""
    running = trial.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    return next(t for t in running if t.number == trial.number)
