"""Regularised (ageing) evolution as an Optuna sampler."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from nasrun.samplers._base import NasrunSampler
from nasrun.samplers._distributions import choice_index, has_alternative, trial_rng, uniform_value
from nasrun.samplers._history import study_trials


class RegularizedEvolutionSampler(NasrunSampler):
    """Real et al., "Regularized Evolution for Image Classifier Architecture Search" (AAAI 2019).

    The population is the ``population_size`` most recent complete trials (ageing: the oldest
    dies, not the worst). A child copies the best of ``sample_size`` members drawn at random
    and changes exactly one parameter. Until the population is full, trials are random.

    Stateless by design: every draw uses a generator seeded by (seed, trial number) and the
    population is read from the study, so a restarted run or a second worker continues the
    same search; nothing is cached between calls, so threads (``n_jobs``) share it freely. The
    parent's trial number is stored on the child as the ``parent`` user attribute (weight
    inheritance reads it).
    """

    def __init__(
        self, population_size: int = 10, sample_size: int = 3, seed: int | None = None
    ) -> None:
        if not 1 <= sample_size <= population_size:
            raise ValueError("need 1 <= sample_size <= population_size")
        super().__init__(seed)
        self.population_size, self.sample_size = population_size, sample_size

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        complete = [
            t for t in study_trials(study, (TrialState.COMPLETE,)) if t.number < trial.number
        ]
        if not search_space or len(complete) < self.population_size:
            return {}
        rng = trial_rng(self._seed, trial.number, "tournament")
        population = sorted(complete, key=lambda t: t.number)[-self.population_size :]
        picks = rng.choice(len(population), self.sample_size, replace=False)
        contenders = [population[i] for i in picks]
        maximise = study.direction == optuna.study.StudyDirection.MAXIMIZE
        parent = max(contenders, key=lambda t: t.value if maximise else -t.value)
        child = {name: parent.params[name] for name in search_space if name in parent.params}
        mutable = [n for n, d in search_space.items() if n in child and has_alternative(d)]
        if mutable:
            name = mutable[rng.randint(len(mutable))]
            child[name] = _mutate(search_space[name], child[name], rng)
        # Recorded now, not in after_trial: the estimator reads it while the trial runs. Optuna's
        # own samplers write their trial attributes through the storage in the same way.
        study._storage.set_trial_user_attr(trial._trial_id, "parent", parent.number)
        return child


def _mutate(distribution: BaseDistribution, value: Any, rng: np.random.RandomState) -> Any:
    """A different value of ``distribution``: another choice, or a fresh draw for numbers."""
    if isinstance(distribution, CategoricalDistribution):
        # By position, not by ``!=``: True == 1 and NaN != NaN would drop or keep the wrong ones.
        current = choice_index(distribution, value)
        others = [c for i, c in enumerate(distribution.choices) if i != current]
        return others[rng.randint(len(others))]
    for _ in range(100):  # numeric: resample within the distribution until it differs
        candidate = uniform_value(distribution, rng)
        if candidate != value:
            return candidate
    return value
