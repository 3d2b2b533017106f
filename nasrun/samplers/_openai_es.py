"""OpenAI's evolution strategy (search=es) as an Optuna sampler."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
import torch
from optuna.distributions import BaseDistribution, CategoricalDistribution, distribution_to_json
from optuna.trial import FrozenTrial

from nasrun.samplers._base import SpaceSampler
from nasrun.samplers._distributions import _from_unit, trial_rng
from nasrun.samplers._history import scored_trials, study_trials

if TYPE_CHECKING:
    from nasrun.spaces import SearchSpace

#: The user attribute holding a trial's noise vector and the layout it belongs to.
NOISE_ATTR = "es_noise"


class OpenAIESSampler(SpaceSampler):
    """Salimans et al., "Evolution Strategies as a Scalable Alternative to Reinforcement
    Learning" (2017), as the evostra recipe runs it.

    The search space is relaxed to a real vector: one position in [0, 1] per numeric parameter
    (in log space for log ones) and one logit per choice of a categorical, whose softmax is the
    relaxed choice. A generation is ``population_size`` consecutive trials in antithetic pairs:
    trial ``2k`` evaluates ``mean + sigma * eps``, trial ``2k + 1`` ``mean - sigma * eps``; a
    point decodes to the nearest valid value of each numeric parameter and the most probable
    (argmax) choice of each categorical. When a generation's trials are scored, their rewards
    are rank-shaped (centred ranks in [-0.5, 0.5]) and Adam takes one ascent step on the mean
    along ``sum(shaped * eps) / (n * sigma)``.

    Each trial stores its noise (user attribute ``es_noise``), and the mean is replayed from the
    study's generations, so a restarted run or a second worker continues the same search.
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        population_size: int = 10,
        sigma: float = 0.1,
        lr: float = 0.05,
        seed: int | None = None,
    ) -> None:
        if population_size < 2 or population_size % 2 or sigma <= 0 or lr <= 0:
            raise ValueError("need an even population_size >= 2, sigma > 0 and lr > 0")
        super().__init__(seed)
        self.space, self.population_size, self.sigma, self.lr = space, population_size, sigma, lr

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        names = sorted(search_space)
        layout = _layout_key(search_space, names)
        noise = self._noise(
            study, trial.number, layout, sum(_width(search_space[n]) for n in names)
        )
        study._storage.set_trial_user_attr(
            trial._trial_id, NOISE_ATTR, {"layout": layout, "eps": noise.tolist()}
        )
        sign = 1.0 if trial.number % 2 == 0 else -1.0
        distributions = [search_space[n] for n in names]
        mean = self._mean(study, names, distributions, layout, trial.number // self.population_size)
        return _decode(mean + sign * self.sigma * noise, distributions, names)

    def _noise(self, study: optuna.Study, number: int, layout: int, size: int) -> np.ndarray:
        """The pair's noise: the partner's if it is stored (a resumed run may have another
        seed), else a draw from the pair's generator."""
        for t in study_trials(study):
            stored = t.user_attrs.get(NOISE_ATTR)
            if t.number == number ^ 1 and stored and stored["layout"] == layout:
                return np.array(stored["eps"])
        return trial_rng(self._seed, number - number % 2, "es").standard_normal(size)

    def _mean(self, study, names, distributions, layout, generation) -> np.ndarray:
        """The mean after one Adam step per earlier generation with two or more scores."""
        mean = torch.tensor(
            np.concatenate([_initial(d) for d in distributions]), requires_grad=True
        )
        numeric = torch.tensor(
            np.concatenate([[not _is_choice(d)] * _width(d) for d in distributions])
        )
        optimizer = torch.optim.Adam([mean], lr=self.lr, maximize=True)
        population: dict[int, list[tuple[float, np.ndarray]]] = {}
        for t, reward in scored_trials(study, names):
            stored = t.user_attrs.get(NOISE_ATTR)
            g = t.number // self.population_size
            if g < generation and stored and stored["layout"] == layout:
                sign = 1.0 if t.number % 2 == 0 else -1.0
                population.setdefault(g, []).append((reward, sign * np.array(stored["eps"])))
        for g in sorted(population):
            if len(population[g]) < 2:
                continue
            rewards = np.array([r for r, _ in population[g]])
            eps = np.stack([e for _, e in population[g]])
            shaped = centred_ranks(rewards)
            mean.grad = torch.tensor(shaped @ eps / (len(shaped) * self.sigma))
            optimizer.step()
            with torch.no_grad():  # a numeric position outside [0, 1] decodes as its end
                mean[numeric] = mean[numeric].clamp(0.0, 1.0)
        return mean.detach().numpy()


def centred_ranks(rewards: np.ndarray) -> np.ndarray:
    """Rank-based fitness shaping (Salimans et al. 2017): ranks scaled to [-0.5, 0.5]."""
    ranks = np.empty(len(rewards))
    ranks[np.argsort(rewards, kind="stable")] = np.arange(len(rewards))
    return ranks / max(len(rewards) - 1, 1) - 0.5


def _is_choice(distribution: BaseDistribution) -> bool:
    return isinstance(distribution, CategoricalDistribution)


def _width(distribution: BaseDistribution) -> int:
    return len(distribution.choices) if _is_choice(distribution) else 1


def _initial(distribution: BaseDistribution) -> np.ndarray:
    """Equal logits for a categorical, the middle of the range for a number."""
    return np.zeros(_width(distribution)) if _is_choice(distribution) else np.array([0.5])


def _layout_key(search_space: dict[str, BaseDistribution], names: list[str]) -> int:
    text = "|".join(f"{n}={distribution_to_json(search_space[n])}" for n in names)
    return zlib.crc32(text.encode())


def _decode(point: np.ndarray, distributions, names) -> dict[str, Any]:
    params, start = {}, 0
    for name, distribution in zip(names, distributions, strict=True):
        width = _width(distribution)
        values = point[start : start + width]
        start += width
        if _is_choice(distribution):
            params[name] = distribution.choices[int(np.argmax(values))]
        else:
            params[name] = _from_unit(distribution, float(np.clip(values[0], 0.0, 1.0)))
    return params
