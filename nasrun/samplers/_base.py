"""What every nasrun sampler shares as an Optuna sampler.

- Its search state is a function of the study and the seed: random draws come from a generator
  seeded by (seed, trial number, name), so a restarted run or a second worker continues the same
  search.
- It is safe under ``study.optimize(..., n_jobs=N)``: Optuna then calls one sampler from N
  threads, so whatever the sampler caches between calls is guarded by one lock.
"""

from __future__ import annotations

import threading
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.search_space import IntersectionSearchSpace
from optuna.trial import FrozenTrial

from nasrun.samplers._distributions import default_seed, trial_rng, uniform_value
from nasrun.samplers._history import space_distributions


class NasrunSampler(BaseSampler):
    """A single-objective sampler over the intersection search space of the complete trials.

    Parameters outside the relative search space (conditional or dynamic ones, and every
    parameter before a trial completes) are drawn uniformly at random. Subclasses implement
    ``sample_relative`` and hold ``self._lock`` while they touch anything cached on ``self``.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = default_seed(seed)
        self._search_space = IntersectionSearchSpace()
        self._lock = threading.Lock()

    # A lock cannot be pickled; Optuna users pickle samplers to resume a study, so drop it there
    # and give the copy a fresh one.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        self._raise_error_if_multi_objective(study)
        with self._lock:  # IntersectionSearchSpace caches a cursor into the study's trials
            return self._search_space.calculate(study, use_cache=True)  # see study_trials

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # Uniform, from a generator seeded by (seed, trial, parameter): no state to lose on restart.
        return uniform_value(param_distribution, trial_rng(self._seed, trial.number, param_name))


class SpaceSampler(NasrunSampler):
    """A nasrun sampler given the run's search space (``self.space``, set by the subclass): its
    decisions' distributions are known before any trial completes, so the first trial already
    samples them relatively."""

    space: Any = None

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {
            **space_distributions(self.space),
            **super().infer_relative_search_space(study, trial),
        }
