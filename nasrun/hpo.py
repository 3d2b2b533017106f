"""Joint NAS + HPO: training hyperparameters searched on the same trial as the architecture.

``hpo=default`` adds learning rate, weight decay, batch size, epochs and optimiser to any space.
Each trial suggests them after its architecture decisions and hands them to the estimator's
``evaluate``, which trains with them, so one sampler models both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import optuna

from nasrun.errors import NasrunError
from nasrun.estimators import Estimator
from nasrun.training import OPTIMIZERS


class HyperParameters:
    """Training hyperparameters suggested per trial (the joint search of Zela et al., "Towards
    Automated Deep Learning: Efficient Joint Neural Architecture and Hyperparameter Search",
    2018).

    Learning rate and weight decay are log-uniform in ``[low, high]``; batch size and optimiser
    are categorical; epochs is an integer range for the estimator's training length. A setting
    given as ``null`` is not searched: the trainer's or estimator's own value stays.
    ``momentum`` is not searched: it goes with a searched optimiser (SGD's, Nesterov).
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

    @property
    def searched(self) -> list[str]:
        """The settings this search suggests, in suggestion order."""
        settings = ("lr", "weight_decay", "batch_size", "epochs", "optimizer")
        return [name for name in settings if getattr(self, name) is not None]

    def check(
        self,
        estimator: Estimator,
        sampler: optuna.samplers.BaseSampler,
        pruner: optuna.pruners.BasePruner,
    ) -> None:
        """Refuses, before any work, the combinations where searched settings cannot apply."""
        if isinstance(sampler, optuna.samplers.GridSampler):
            raise NasrunError("search=grid enumerates architectures only; use hpo=none with it")
        if not estimator.tunable:
            raise NasrunError(f"hpo: estimator {estimator.name!r} trains nothing to tune")
        if self.epochs is not None and not isinstance(pruner, optuna.pruners.NopPruner):
            raise NasrunError(
                "hpo.epochs conflicts with a pruner, whose resource is estimator.epochs; "
                "set hpo.epochs=null or use a search without pruning"
            )
        for name in self.searched:
            if name not in estimator.tunable:
                raise NasrunError(
                    f"hpo.{name}: estimator {estimator.name!r} does not apply it; "
                    f"set hpo.{name}=null"
                )

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Asks ``trial`` for every searched hyperparameter (plus SGD's momentum when the
        optimiser is searched: the values are what ``evaluate`` trains with)."""
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
            values["momentum"] = self.momentum
        return values
