"""Joint NAS + HPO: training hyperparameters searched on the same trial as the architecture.

``hpo=default`` adds learning rate, weight decay, batch size, epochs and optimiser to any space.
Each trial suggests them after its architecture decisions, and the trial is evaluated by a copy
of the estimator whose trainer (and epoch count) carries them, so one sampler models both.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import partial
from typing import Any

import optuna
import torch

from nasrun.errors import NasrunError
from nasrun.estimators import Estimator

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


class HyperParameters:
    """Training hyperparameters suggested per trial (the joint search of e.g. Zela et al. 2018).

    Learning rate and weight decay are log-uniform in ``[low, high]``; batch size and optimiser
    are categorical; epochs is an integer range for the estimator's training length. A setting
    given as ``null`` is not searched: the trainer's or estimator's own value stays.
    """

    def __init__(
        self,
        lr: Sequence[float] | None = (1e-3, 0.3),
        weight_decay: Sequence[float] | None = (1e-5, 1e-2),
        batch_size: Sequence[int] | None = (32, 64, 128),
        epochs: Sequence[int] | None = None,
        optimizer: Sequence[str] | None = ("sgd", "adam", "adamw"),
        momentum: float = 0.9,
    ) -> None:
        for name, bounds in (("lr", lr), ("weight_decay", weight_decay), ("epochs", epochs)):
            if bounds is not None and not (len(bounds) == 2 and 0 < bounds[0] <= bounds[1]):
                raise NasrunError(f"hpo.{name} must be [low, high] with 0 < low <= high")
        unknown = set(optimizer or ()) - set(OPTIMIZERS)
        if unknown:
            raise NasrunError(
                f"hpo.optimizer: unknown {sorted(unknown)}; known: {list(OPTIMIZERS)}"
            )
        self.lr, self.weight_decay, self.epochs = lr, weight_decay, epochs
        self.batch_size = list(batch_size) if batch_size else None
        self.optimizer = list(optimizer) if optimizer else None
        self.momentum = momentum

    def check(
        self,
        estimator: Estimator,
        sampler: optuna.samplers.BaseSampler,
        pruner: optuna.pruners.BasePruner,
    ) -> None:
        """Refuses, before any work, the combinations where searched settings cannot apply."""
        if isinstance(sampler, optuna.samplers.GridSampler):
            raise NasrunError("search=grid enumerates architectures only; use hpo=none with it")
        if self.epochs is not None and not hasattr(estimator, "epochs"):
            raise NasrunError(f"hpo.epochs: estimator {estimator.name!r} has no epochs to set")
        if self.epochs is not None and not isinstance(pruner, optuna.pruners.NopPruner):
            raise NasrunError(
                "hpo.epochs conflicts with a pruner, whose resource is estimator.epochs; "
                "set hpo.epochs=null or use a search without pruning"
            )
        if getattr(estimator, "trainer", None) is None:
            raise NasrunError(f"hpo: estimator {estimator.name!r} trains nothing to tune")

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Asks ``trial`` for every searched hyperparameter."""
        values: dict[str, Any] = {}
        if self.lr is not None:
            values["lr"] = trial.suggest_float("lr", *self.lr, log=True)
        if self.weight_decay is not None:
            values["weight_decay"] = trial.suggest_float(
                "weight_decay", *self.weight_decay, log=True
            )
        if self.batch_size is not None:
            values["batch_size"] = trial.suggest_categorical("batch_size", self.batch_size)
        if self.epochs is not None:
            values["epochs"] = trial.suggest_int("epochs", *self.epochs)
        if self.optimizer is not None:
            values["optimizer"] = trial.suggest_categorical("optimizer", self.optimizer)
        return values

    def apply(self, estimator: Estimator, values: dict[str, Any]) -> Estimator:
        """A shallow copy of ``estimator`` that trains with ``values`` (shared caches stay shared)."""
        trainer = copy.copy(estimator.trainer)
        if "batch_size" in values:
            trainer.batch_size = values["batch_size"]
        trainer.optimizer = self._optimizer(trainer.optimizer, values)
        tuned = copy.copy(estimator)
        tuned.trainer = trainer
        if "epochs" in values:
            tuned.epochs = values["epochs"]
        return tuned

    def _optimizer(self, current: Any, values: dict[str, Any]) -> partial:
        """The trainer's optimiser factory with the searched settings in place of its own."""
        keywords = dict(getattr(current, "keywords", {}))
        name = values.get("optimizer")
        if name is None:  # not searched: keep the configured optimiser, change only its settings
            cls = getattr(current, "func", torch.optim.SGD)
        else:
            cls = OPTIMIZERS[name]
            keywords = {k: v for k, v in keywords.items() if k in ("lr", "weight_decay")}
            if cls is torch.optim.SGD:
                keywords.update(momentum=self.momentum, nesterov=self.momentum > 0)
        for key in ("lr", "weight_decay"):
            if key in values:
                keywords[key] = values[key]
        return partial(cls, **keywords)
