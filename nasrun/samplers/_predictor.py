"""Predictor-guided search (search=predictor): BANANAS / NPENAS as an Optuna sampler."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from nasrun.samplers._base import NasrunSampler
from nasrun.samplers._distributions import Encoding, trial_rng
from nasrun.samplers._history import proposed_tokens, scored_trials
from nasrun.samplers._predictor_encoding import ENCODINGS, featuriser
from nasrun.samplers._surrogate import SurrogateCache

if TYPE_CHECKING:
    from nasrun.spaces import SearchSpace

ACQUISITIONS = ("its", "ucb", "mean")


class PredictorSampler(NasrunSampler):
    """White et al., "BANANAS: Bayesian Optimization with Neural Architectures for Neural
    Architecture Search" (AAAI 2021); Wei et al., "NPENAS: Neural Predictor Guided Evolution for
    Neural Architecture Search" (TNNLS 2022).

    After ``n_initial`` random trials, every trial: fit the ensemble predictor
    (:class:`~nasrun.samplers._surrogate.EnsemblePredictor`) on every complete trial, make
    ``n_candidates`` candidates by mutating the ``n_parents`` best trials (one decision each, as
    BANANAS' mutation on NAS-Bench-201), drop those already in the study, and propose the one
    the acquisition ranks first: independent Thompson sampling (``its``, BANANAS' choice: one
    draw from each candidate's normal of ensemble mean and spread), ``ucb`` (mean + ``ucb_beta``
    x spread) or the plain ``mean``. The predictor reads the ``one_hot`` token encoding (on a
    cell space, the op on each edge) or BANANAS' ``path`` encoding
    (:class:`~nasrun.samplers._predictor_encoding.PathEncoding`; cell spaces with nodeI_inJ
    edges, i.e. nb201).

    The predictor is a function of the study's complete trials and the seed, so a restarted run
    or a second worker continues the same search; threads share one fit under the lock.
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        n_initial: int = 10,
        n_candidates: int = 100,
        n_parents: int = 10,
        acquisition: str = "its",
        ucb_beta: float = 1.0,
        n_members: int = 5,
        hidden: int = 32,
        epochs: int = 200,
        n_bins: int = 10,
        encoding: str = "one_hot",
        seed: int | None = None,
    ) -> None:
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"acquisition must be one of {', '.join(ACQUISITIONS)}")
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")
        if space is not None:  # refuse a space the encoding cannot read before any trial runs
            featuriser(
                encoding,
                [d.name for d in space.decisions],
                [len(d.choices) for d in space.decisions],
            )
        if n_initial < 2 or n_candidates < 1 or n_parents < 1:
            raise ValueError("need n_initial >= 2, n_candidates >= 1 and n_parents >= 1")
        super().__init__(seed)
        self.n_initial, self.n_candidates, self.n_parents = n_initial, n_candidates, n_parents
        self.acquisition, self.ucb_beta, self.n_bins = acquisition, ucb_beta, n_bins
        self.encoding = encoding
        self._surrogate = SurrogateCache(n_members=n_members, hidden=hidden, epochs=epochs)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        encoding = Encoding(search_space, self.n_bins)
        scored = scored_trials(study, encoding.names)
        if len(scored) < self.n_initial:
            return {}  # BANANAS' random start: uniform draws (sample_independent)
        rng = trial_rng(self._seed, trial.number, "predictor")
        rows = np.array([encoding.encode(t.params) for t, _ in scored])
        rewards = np.array([r for _, r in scored])
        parents = rows[np.argsort(-rewards, kind="stable")[: self.n_parents]]
        candidates = self._mutants(parents, encoding.sizes, proposed_tokens(study, encoding), rng)
        if not len(candidates):
            return {}
        key = tuple(t.number for t, _ in scored)
        with self._lock:
            features = featuriser(self.encoding, encoding.names, encoding.sizes)
            self._surrogate.fit(key, rows, rewards, encoding.sizes, self._seed, features)
            mean, std = self._surrogate.predict(candidates, encoding.sizes)
        return encoding.decode(
            candidates[int(np.argmax(self._score(mean, std, rng)))].tolist(), rng
        )

    def _score(self, mean: np.ndarray, std: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        if self.acquisition == "its":
            return rng.normal(mean, std)
        if self.acquisition == "ucb":
            return mean + self.ucb_beta * std
        return mean

    def _mutants(
        self,
        parents: np.ndarray,
        sizes: list[int],
        seen: set[tuple[int, ...]],
        rng: np.random.RandomState,
    ) -> np.ndarray:
        """Up to ``n_candidates`` distinct new rows, each a parent with one token changed."""
        open_positions = [i for i, size in enumerate(sizes) if size > 1]
        found: dict[tuple[int, ...], None] = {}
        for attempt in range(10 * self.n_candidates):
            if len(found) == self.n_candidates or not open_positions:
                break
            row = parents[attempt % len(parents)].copy()
            i = open_positions[rng.randint(len(open_positions))]
            row[i] = (row[i] + 1 + rng.randint(sizes[i] - 1)) % sizes[i]  # another token
            if tuple(row) not in seen:
                found[tuple(row)] = None
        return np.array(list(found), dtype=np.int64).reshape(-1, len(sizes))
