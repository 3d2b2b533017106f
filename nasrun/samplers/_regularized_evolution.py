"""Regularised (ageing) evolution as an Optuna sampler."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.samplers import BaseSampler
from optuna.search_space import IntersectionSearchSpace
from optuna.trial import FrozenTrial, TrialState


class RegularizedEvolutionSampler(BaseSampler):
    """Real et al., "Regularized Evolution for Image Classifier Architecture Search" (AAAI 2019).

    The population is the ``population_size`` most recent complete trials (ageing: the oldest
    dies, not the worst). A child copies the best of ``sample_size`` members drawn at random
    and changes exactly one parameter. Until the population is full, trials are random.

    Stateless by design: every draw uses a generator seeded by (seed, trial number) and the
    population is read from the study, so a restarted run or a second worker continues the
    same search. The parent's trial number is stored on the child as the ``parent`` user
    attribute (weight inheritance reads it).
    """

    def __init__(
        self, population_size: int = 10, sample_size: int = 3, seed: int | None = None
    ) -> None:
        if not 1 <= sample_size <= population_size:
            raise ValueError("need 1 <= sample_size <= population_size")
        self.population_size, self.sample_size = population_size, sample_size
        self._seed = seed if seed is not None else np.random.SeedSequence().entropy % 2**31
        self._search_space = IntersectionSearchSpace()

    def _rng(self, trial: FrozenTrial) -> np.random.RandomState:
        return np.random.RandomState((self._seed * 1_000_003 + trial.number) % 2**32)

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._search_space.calculate(study)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        complete = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.number < trial.number
        ]
        if not search_space or len(complete) < self.population_size:
            return {}
        rng = self._rng(trial)
        population = sorted(complete, key=lambda t: t.number)[-self.population_size :]
        picks = rng.choice(len(population), self.sample_size, replace=False)
        contenders = [population[i] for i in picks]
        maximise = study.direction == optuna.study.StudyDirection.MAXIMIZE
        parent = max(contenders, key=lambda t: t.value if maximise else -t.value)
        child = {name: parent.params[name] for name in search_space if name in parent.params}
        mutable = [n for n, d in search_space.items() if n in child and _has_alternative(d)]
        if mutable:
            name = mutable[rng.randint(len(mutable))]
            child[name] = _mutate(search_space[name], child[name], rng)
        study._storage.set_trial_user_attr(trial._trial_id, "parent", parent.number)
        return child

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # Uniform, from a generator seeded by (seed, trial, parameter): no state to lose on restart.
        seed = (
            self._seed * 1_000_003 + trial.number * 7919 + zlib.crc32(param_name.encode())
        ) % 2**32
        rng = np.random.RandomState(seed)
        if isinstance(param_distribution, CategoricalDistribution):
            return param_distribution.choices[rng.randint(len(param_distribution.choices))]
        return param_distribution.to_external_repr(_uniform_internal(param_distribution, rng))


def _has_alternative(distribution: BaseDistribution) -> bool:
    if isinstance(distribution, CategoricalDistribution):
        return len(distribution.choices) > 1
    return distribution.high > distribution.low


def _mutate(distribution: BaseDistribution, value: Any, rng: np.random.RandomState) -> Any:
    """A different value of ``distribution``: another choice, or a fresh draw for numbers."""
    if isinstance(distribution, CategoricalDistribution):
        others = [c for c in distribution.choices if c != value]
        return others[rng.randint(len(others))]
    for _ in range(100):  # numeric: resample within the distribution until it differs
        internal = _uniform_internal(distribution, rng)
        candidate = distribution.to_external_repr(internal)
        if candidate != value:
            return candidate
    return value


def _uniform_internal(distribution, rng: np.random.RandomState) -> float:
    low, high = distribution.low, distribution.high
    if getattr(distribution, "log", False):
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))
    step = getattr(distribution, "step", None)
    if step is not None:
        return low + step * rng.randint(int(round((high - low) / step)) + 1)
    return float(rng.uniform(low, high))
