"""FABOLAS (multi-fidelity Bayesian optimisation over the training-set size) as an Optuna sampler."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState

from nasrun.samplers._base import NasrunSampler
from nasrun.samplers._distributions import trial_rng
from nasrun.samplers._gp_encoding import GPEncoding
from nasrun.samplers._history import study_trials


class FabolasSampler(NasrunSampler):
    """Klein, Falkner, Bartels, Hennig & Hutter, "Fast Bayesian Optimization of Machine Learning
    Hyperparameters on Large Datasets" (AISTATS 2017), on BoTorch.

    One Gaussian process models the objective over the configuration *and* the training-set
    fraction ``s`` (BoTorch's ``SingleTaskMultiFidelityGP``: a Matern kernel on the
    configuration times the downsampling kernel on ``s``). The next trial maximises the
    multi-fidelity knowledge gradient about the best configuration at ``s = 1`` per unit of
    cost (``qMultiFidelityKnowledgeGradient`` with an inverse-cost utility); the cost model is
    affine in ``s``, fitted to the trials' measured ``cost_s``. So cheap, small-``s``
    evaluations are bought while they say enough about full data.

    The fraction is the trial's ``fidelity_param`` (``estimator.data_fraction=[low, 1]`` makes
    ``estimator=low_fidelity`` suggest it as ``data_fraction``). The first ``n_startup_trials``
    are random configurations at the smallest fractions (FABOLAS' initial design, doubling
    from ``low``); every ``incumbent_every``-th trial re-evaluates the incumbent (the best
    posterior mean at ``s = 1``) on full data, so the study holds full-data results.

    Without a fidelity parameter in the search space it is GP-BO with log expected improvement
    on the same encoding; parameters outside the intersection space (conditional, dynamic) are
    drawn at random, as Optuna's ``GPSampler`` does. The model is refitted from the study's
    trials for every proposal, so a restart or a second worker continues the same search.
    """

    def __init__(
        self,
        fidelity_param: str = "data_fraction",
        n_startup_trials: int = 10,
        incumbent_every: int = 5,
        num_fantasies: int = 16,
        num_restarts: int = 4,
        raw_samples: int = 64,
        seed: int | None = None,
    ) -> None:
        if n_startup_trials < 1 or incumbent_every < 2:
            raise ValueError("need n_startup_trials >= 1 and incumbent_every >= 2")
        super().__init__(seed)
        self.fidelity_param, self.n_startup_trials = fidelity_param, n_startup_trials
        self.incumbent_every, self.num_fantasies = incumbent_every, num_fantasies
        self.num_restarts, self.raw_samples = num_restarts, raw_samples

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name == self.fidelity_param and isinstance(param_distribution, FloatDistribution):
            return _initial_fraction(param_distribution, trial.number)
        return super().sample_independent(study, trial, param_name, param_distribution)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        complete = [
            t
            for t in study_trials(study, (TrialState.COMPLETE,))
            if t.number < trial.number and t.value is not None and math.isfinite(t.value)
        ]
        if not search_space or len(complete) < self.n_startup_trials:
            if self.fidelity_param in search_space:  # the initial design: small fractions
                return {
                    self.fidelity_param: self.sample_independent(
                        study, trial, self.fidelity_param, search_space[self.fidelity_param]
                    )
                }
            return {}
        fidelity = search_space.get(self.fidelity_param)
        if not isinstance(fidelity, FloatDistribution):
            fidelity = None
        encoding = GPEncoding(
            {n: d for n, d in search_space.items() if fidelity is None or n != self.fidelity_param}
        )
        sign = 1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else -1.0
        x = np.array([encoding.encode(t.params) for t in complete])
        y = np.array([sign * t.value for t in complete])
        seed = int(trial_rng(self._seed, trial.number, "fabolas").randint(2**31))
        from nasrun.samplers import _fabolas_model as model  # BoTorch: imported when used

        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fidelity is None:
                return encoding.decode(model.expected_improvement(x, y, seed, self._options()))
            s = np.array([t.params[self.fidelity_param] for t in complete])
            cost = np.array(
                [t.user_attrs.get("cost_s") or s_ for t, s_ in zip(complete, s, strict=True)]
            )
            target = float(fidelity.high)
            if (trial.number + 1) % self.incumbent_every == 0:
                best = model.incumbent(x, s, y, target, seed)
                if not any(
                    np.allclose(row, best) and sv == target for row, sv in zip(x, s, strict=True)
                ):
                    return {**encoding.decode(best), self.fidelity_param: target}
            config, fraction = model.knowledge_gradient(
                x, s, y, cost, (float(fidelity.low), target), seed, self._options()
            )
        return {**encoding.decode(config), self.fidelity_param: fraction}

    def _options(self) -> dict[str, int]:
        return {
            "num_fantasies": self.num_fantasies,
            "num_restarts": self.num_restarts,
            "raw_samples": self.raw_samples,
        }


def _initial_fraction(distribution: FloatDistribution, trial_number: int) -> float:
    """FABOLAS' initial design: the smallest fractions, doubling from ``low`` (below 1/2)."""
    low, high = float(distribution.low), float(distribution.high)
    levels = [low * 2**k for k in range(32) if low * 2**k <= min(high, 0.5 * high) or k == 0]
    return float(min(levels[trial_number % len(levels)], high))
