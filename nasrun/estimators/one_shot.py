"""One-shot estimation: score architectures as paths of one shared-weight supernet."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import optuna
import torch

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Result
from nasrun.oneshot.base import SearchData, epoch_generator, train_steps
from nasrun.oneshot.spos import SposSearcher, recalibrated_accuracy
from nasrun.spaces import Arch, SearchSpace, Supernet
from nasrun.training import EpochStats, Trainer, count_flops, count_params


class OneShotEstimator(Estimator):
    """Trains one supernet by uniform single-path sampling (SPOS, Guo et al. 2020), then
    scores each architecture as its path's validation accuracy with batch-norm statistics
    recalibrated for that path: any discrete sampler searches with shared weights (random
    search with weight sharing, evolution on a supernet).

    The supernet trains for ``epochs`` with the trainer's optimiser, clipping and schedule
    (``lr`` and ``batch_size``, when given, in place of the trainer's). It also builds the
    supernet the one-shot searches (``search=darts``, ``gdas``, ...) train their own way;
    ``supernet`` holds options of the space's supernet for both.
    """

    name = "one_shot"

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        seed: int = 0,
        epochs: int = 10,
        batch_size: int | None = None,
        lr: float | None = None,
        supernet: dict[str, Any] | None = None,
    ) -> None:
        if epochs < 1:
            raise NasrunError("estimator.epochs must be at least 1")
        own = {"lr": lr, "batch_size": batch_size}
        self.trainer = trainer.with_hyperparameters({k: v for k, v in own.items() if v is not None})
        self.space, self.dataset, self.seed, self.epochs = space, dataset, seed, epochs
        self.supernet_options = dict(supernet or {})
        self._trained: Supernet | None = None

    def check_space(self, space: SearchSpace) -> None:
        if type(space).supernet is SearchSpace.supernet:
            raise NasrunError(
                f"estimator=one_shot needs a space with a supernet; space {space.name!r} has none"
            )

    def build_supernet(self, seed: int = 0, **options: Any) -> Supernet:
        """The space's supernet with this estimator's options and ``options`` over them,
        initialised from ``seed`` without touching the global random state."""
        data, options = self.dataset, {**self.supernet_options, **options}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            try:
                net = self.space.supernet(data.num_classes, data.input_shape, **options)
            except TypeError as error:  # an option this space's supernet does not take
                raise NasrunError(
                    f"space {self.space.name!r}: its supernet does not take the options "
                    f"{options} ({error})"
                ) from None
        return net.to(data.device)

    def _train(self, on_epoch: Callable[[EpochStats], None] | None) -> Supernet:
        """SPOS' supernet training: its searcher's steps over the whole training split."""
        net = self.build_supernet(self.seed)
        weights = self.trainer.weight_optimiser(net.weight_parameters(), self.epochs)
        searcher = SposSearcher(samples=0)
        searcher.setup(net, weights, self.seed, self.trainer.batch_size)
        for epoch in range(1, self.epochs + 1):
            start = time.perf_counter()
            searcher.start_epoch(epoch, self.epochs)
            net.train()
            generator = epoch_generator(self.seed, epoch)
            loss = train_steps(
                searcher, self.dataset.train, None, self.trainer.batch_size, generator
            )
            weights.advance()
            if on_epoch is not None:
                nan = float("nan")
                on_epoch(EpochStats(epoch, loss, nan, nan, time.perf_counter() - start))
        return net

    def evaluate(
        self,
        arch: Arch,
        trial: optuna.Trial,
        hyperparameters: Mapping[str, Any] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> Result:
        if hyperparameters:
            raise NasrunError(
                "hpo: estimator=one_shot trains one supernet for every trial; use hpo=none"
            )
        start = time.perf_counter()
        if self._trained is None:  # the first trial pays for the supernet; later ones are cheap
            self._trained = self._train(on_epoch)
        calibration = SearchData.halving(self.dataset.train, self.dataset.valid).weights
        value = recalibrated_accuracy(self._trained, arch, calibration, self.dataset.valid)
        model = self.space.build(arch, self.dataset.num_classes, self.dataset.input_shape)
        return Result(
            value=value,
            test_value=recalibrated_accuracy(self._trained, arch, calibration, self.dataset.test),
            params=count_params(model),
            flops=count_flops(model, self.dataset.input_shape),
            cost_s=time.perf_counter() - start,
            fidelity=f"supernet_epochs={self.epochs}",
        )
