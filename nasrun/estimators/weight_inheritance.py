"""Weight inheritance: a child starts from its parent's trained weights and trains briefly."""

from __future__ import annotations

from collections import OrderedDict

import optuna
import torch

from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.estimators.low_fidelity import LowFidelityEstimator
from nasrun.spaces import Arch, SearchSpace
from nasrun.training import Trainer


def inherit(child: torch.nn.Module, parent_state: dict[str, torch.Tensor]) -> float:
    """Copies every parent tensor whose name and shape are unchanged in ``child``.

    Returns the fraction of the child's parameters that were inherited. A mutation that
    changes one layer (its kernel, width or inputs) leaves the other layers' tensors intact,
    so they carry over; the changed layer keeps its fresh initialisation.
    """
    state = child.state_dict()
    copied = {k: v for k, v in parent_state.items() if k in state and state[k].shape == v.shape}
    child.load_state_dict(copied, strict=False)
    params = dict(child.named_parameters())
    inherited = sum(params[k].numel() for k in copied if k in params)
    return inherited / max(1, sum(p.numel() for p in params.values()))


class WeightInheritanceEstimator(LowFidelityEstimator):
    """Children inherit the trained weights of their parent wherever the structure is
    unchanged, then train for ``inherit_epochs`` instead of ``epochs`` (Real et al., "Large-Scale
    Evolution of Image Classifiers", ICML 2017; Elsken et al., "Efficient Multi-objective NAS via
    Lamarckian Evolution", ICLR 2019).

    The parent is the trial number the sampler records as the ``parent`` user attribute
    (``search=ea`` does); for other samplers it is the closest evaluated architecture (fewest
    differing decisions), if that differs in at most ``max_distance`` decisions. Trained
    weights are kept in memory (the last ``cache_size`` trials) of this process: a child whose
    parent was trained by another worker trains from scratch.
    """

    name = "weight_inheritance"

    def __init__(
        self,
        space: SearchSpace,
        dataset: DataModule,
        trainer: Trainer,
        epochs: int = 3,
        inherit_epochs: int = 1,
        train_fraction: float = 1.0,
        max_distance: int = 1,
        cache_size: int = 256,
    ) -> None:
        super().__init__(space, dataset, trainer, epochs=epochs, train_fraction=train_fraction)
        if not 1 <= inherit_epochs <= epochs:
            raise NasrunError("estimator.inherit_epochs must be between 1 and estimator.epochs")
        self.inherit_epochs = inherit_epochs
        self.max_distance = max_distance
        self.cache_size = cache_size
        self._weights: OrderedDict[int, tuple[Arch, dict[str, torch.Tensor]]] = OrderedDict()

    def _parent(self, arch: Arch, trial: optuna.Trial) -> int | None:
        recorded = trial.user_attrs.get("parent")
        if recorded is not None:
            return recorded if recorded in self._weights else None
        best = None
        for number, (other, _) in self._weights.items():
            distance = sum(a != b for a, b in zip(arch, other, strict=True))
            if distance <= self.max_distance and (best is None or distance < best[0]):
                best = (distance, number)
        return None if best is None else best[1]

    def initial_model(self, arch: Arch, trial: optuna.Trial, seed: int) -> torch.nn.Module:
        model = super().initial_model(arch, trial, seed)
        parent = self._parent(arch, trial)
        fraction = 0.0
        if parent is not None:
            device = next(model.parameters()).device
            state = {k: v.to(device) for k, v in self._weights[parent][1].items()}
            fraction = inherit(model, state)
            trial.set_user_attr("inherited_from", parent)
        trial.set_user_attr("inherited_fraction", fraction)
        return model

    def epochs_for(self, trial: optuna.Trial) -> int:
        inherited = trial.user_attrs.get("inherited_fraction", 0.0) > 0
        return self.inherit_epochs if inherited else self.epochs

    def trained(self, arch: Arch, trial: optuna.Trial, model: torch.nn.Module) -> None:
        self._weights[trial.number] = (
            arch,
            {k: v.detach().cpu() for k, v in model.state_dict().items()},
        )
        while len(self._weights) > self.cache_size:
            self._weights.popitem(last=False)
