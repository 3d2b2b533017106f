"""One-shot estimation: score architectures as paths of one shared-weight supernet."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import optuna
import torch

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Result
from nasrun.oneshot.base import epoch_generator, halves
from nasrun.oneshot.spos import recalibrated_accuracy, train_single_path_epoch
from nasrun.spaces import Arch, SearchSpace, Supernet
from nasrun.training import EpochStats, Trainer, count_flops, count_params


class OneShotEstimator(Estimator):
    """Trains one supernet by uniform single-path sampling (SPOS, Guo et al. 2020), then
    scores each architecture as its path's validation accuracy with batch-norm statistics
    recalibrated for that path: any discrete sampler searches with shared weights (random
    search with weight sharing, evolution on a supernet).

    It also carries the supernet settings used by the one-shot searchers (``search=darts``,
    ``gdas``, ``spos``, ...), which train the supernet their own way.
    """

    name = "one_shot"

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        epochs: int = 10,
        batch_size: int = 64,
        lr: float = 0.025,
        supernet: dict[str, Any] | None = None,
    ) -> None:
        if epochs < 1:
            raise NasrunError("estimator.epochs must be at least 1")
        self.space, self.dataset, self.trainer = space, dataset, trainer
        self.epochs, self.batch_size, self.lr = epochs, batch_size, lr
        self.supernet_options = dict(supernet or {})
        self._trained: Supernet | None = None

    def check_space(self, space: SearchSpace) -> None:
        if type(space).supernet is SearchSpace.supernet:
            raise NasrunError(
                f"estimator=one_shot needs a space with a supernet; space {space.name!r} has none"
            )

    def build_supernet(self, seed: int = 0) -> Supernet:
        data = self.dataset
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            try:
                net = self.space.supernet(
                    data.num_classes, data.input_shape, **self.supernet_options
                )
            except TypeError as error:  # an option this space's supernet does not take
                raise NasrunError(
                    f"space {self.space.name!r}: its supernet does not take the options "
                    f"{dict(self.supernet_options)} ({error})"
                ) from None
        return net.to(data.device)

    def _train(self, seed: int, on_epoch: Callable[[EpochStats], None] | None) -> Supernet:
        net = self.build_supernet(seed)
        optimizer = torch.optim.SGD(
            net.weight_parameters(), self.lr, momentum=0.9, weight_decay=3e-4
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, self.epochs)

        def step(loss: torch.Tensor) -> None:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(net.weight_parameters()), 5.0)
            optimizer.step()

        rng = random.Random(seed)
        for epoch in range(1, self.epochs + 1):
            start = time.perf_counter()
            loss = train_single_path_epoch(
                net,
                self.space,
                self.dataset.train,
                self.batch_size,
                epoch_generator(seed, epoch),
                rng,
                step,
            )
            schedule.step()
            if on_epoch is not None:
                on_epoch(
                    EpochStats(epoch, loss, float("nan"), float("nan"), time.perf_counter() - start)
                )
        return net

    def evaluate(
        self, arch: Arch, trial: optuna.Trial, on_epoch: Callable[[EpochStats], None] | None = None
    ) -> Result:
        start = time.perf_counter()
        if self._trained is None:  # the first trial pays for the supernet; later ones are cheap
            self._trained = self._train(trial.study.user_attrs.get("seed", 0), on_epoch)
        calibration, _ = halves(self.dataset.train)
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
