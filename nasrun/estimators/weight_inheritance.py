"""Weight inheritance: a child starts from its parent's trained weights and trains briefly."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import optuna
from torch import nn

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.initializer import Initializer, Start
from nasrun.estimators.low_fidelity import LowFidelityEstimator
from nasrun.spaces import Arch, SearchSpace
from nasrun.training import Trainer


class WeightInheritance(Initializer):
    """Children inherit the trained weights of their parent, then train ``epochs`` instead of
    the estimator's own (Real et al., "Large-Scale Evolution of Image Classifiers", ICML 2017;
    Elsken et al., "Efficient Multi-objective NAS via Lamarckian Evolution", ICLR 2019).
    What carries over is the space's to say (:meth:`SearchSpace.inherit`; on chain a
    function-preserving network morphism). Lamarckian: a child's trained weights are what its
    own children inherit, so training accumulates along a lineage.

    The parent is the trial the sampler records as the ``parent`` user attribute (``search=ea``
    does); for other samplers it is the closest evaluated architecture (fewest differing
    decisions), if that differs in at most ``max_distance`` decisions. Trained networks are
    kept in memory (the last ``cache_size`` trials) of this process: a child whose parent was
    trained by another worker trains from scratch.
    """

    def __init__(self, epochs: int = 1, max_distance: int = 1, cache_size: int = 256) -> None:
        if epochs < 1:
            raise NasrunError("estimator.inherit_epochs must be at least 1")
        self.epochs, self.max_distance, self.cache_size = epochs, max_distance, cache_size
        self._trained: OrderedDict[int, tuple[Arch, nn.Module]] = OrderedDict()

    def start(self, space: SearchSpace, arch: Arch, model: nn.Module, trial: optuna.Trial) -> Start:
        parent = self._parent(arch, trial)
        if parent is None:
            return Start(metrics={"inherited_fraction": 0.0})
        device = next(model.parameters()).device
        trained = copy.deepcopy(self._trained[parent][1]).to(device)
        fraction = space.inherit(model, trained)
        if fraction <= 0:  # nothing carried over: a fresh network needs the full schedule
            return Start(metrics={"inherited_fraction": 0.0})
        return Start(self.epochs, {"inherited_fraction": fraction, "inherited_from": parent})

    def trained(self, arch: Arch, trial: optuna.Trial, model: nn.Module) -> None:
        self._trained[trial.number] = (arch, copy.deepcopy(model).cpu())
        while len(self._trained) > self.cache_size:
            self._trained.popitem(last=False)

    def _parent(self, arch: Arch, trial: optuna.Trial) -> int | None:
        recorded = trial.user_attrs.get("parent")  # the sampler's own record of its choice
        if recorded is not None:
            return recorded if recorded in self._trained else None
        best = None
        for number, (other, _) in self._trained.items():
            distance = sum(a != b for a, b in zip(arch, other, strict=True))
            if distance <= self.max_distance and (best is None or distance < best[0]):
                best = (distance, number)
        return None if best is None else best[1]


def weight_inheritance(
    space: SearchSpace,
    dataset: DataModule,
    trainer: Trainer,
    epochs: int = 3,
    inherit_epochs: int = 1,
    max_distance: int = 1,
    cache_size: int = 256,
    **low_fidelity: Any,
) -> LowFidelityEstimator:
    """``estimator=weight_inheritance``: a :class:`LowFidelityEstimator` whose initializer is
    :class:`WeightInheritance`, with its settings flat for the shell (``estimator.epochs``
    from scratch, ``estimator.inherit_epochs`` for a child). ``low_fidelity`` holds the
    estimator's other arguments (seed, train_fraction, channels, cells, resolution)."""
    if not 1 <= inherit_epochs <= epochs:
        raise NasrunError("estimator.inherit_epochs must be between 1 and estimator.epochs")
    initializer = WeightInheritance(inherit_epochs, max_distance, cache_size)
    return LowFidelityEstimator(
        space,
        dataset,
        trainer,
        epochs=epochs,
        initializer=initializer,
        name="weight_inheritance",
        **low_fidelity,
    )
