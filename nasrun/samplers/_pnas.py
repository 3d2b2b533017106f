"""Progressive NAS (search=pnas) as an Optuna sampler."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from nasrun.samplers._base import SpaceSampler
from nasrun.samplers._blocks import blocks, check_growable
from nasrun.samplers._distributions import Encoding, choice_index, trial_rng
from nasrun.samplers._history import proposed_tokens, scored_trials
from nasrun.samplers._surrogate import SurrogateCache

if TYPE_CHECKING:
    from nasrun.spaces import SearchSpace


class PNASSampler(SpaceSampler):
    """Liu et al., "Progressive Neural Architecture Search" (ECCV 2018).

    Cells are grown one block at a time (:mod:`nasrun.samplers._blocks`: an edge of ``nb201``, a
    layer of ``chain``, a node of a ``dag``/``nasnet_cell`` cell). A block not yet grown holds
    ``default`` (where it is one of its choices, else its first choice): on ``nb201`` an edge
    passes its input through (``skip_connect``) until its step. Step 1 trains the expansions of
    the first block (at most ``beam_size``, in a seeded order); step ``b`` expands each of the
    ``beam_size`` (K) best cells of step ``b - 1`` by every choice of block ``b``, scores them
    with the ensemble predictor (:mod:`nasrun.samplers._surrogate`) fitted on every cell
    evaluated before the step, and trains the K it ranks first. After the last block the search
    goes on as the paper's step repeated over whole cells: every one-block change of the K best
    cells so far, scored, the top K trained.

    Steps are counted in trial numbers and everything else is read from the study, so a
    restarted run or a second worker continues the same search; a trial takes the best-ranked
    cell not yet in the study. Without a space (a plain Optuna study) each parameter of the
    search space is a block, in name order.
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        beam_size: int = 10,
        default: Any = "skip_connect",
        n_members: int = 5,
        hidden: int = 32,
        epochs: int = 200,
        n_bins: int = 10,
        max_expansions: int = 20_000,
        seed: int | None = None,
    ) -> None:
        if beam_size < 1:
            raise ValueError("beam_size must be at least 1")
        check_growable(space, "pnas")
        super().__init__(seed)
        self.space, self.beam_size, self.default = space, beam_size, default
        self.n_bins, self.max_expansions = n_bins, max_expansions
        self._surrogate = SurrogateCache(n_members=n_members, hidden=hidden, epochs=epochs)
        self._ranking: tuple | None = None

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        encoding = Encoding(search_space, self.n_bins)
        grow = blocks(self.space, encoding.names)
        start = self._defaults(encoding)
        first = _expand(start[None], grow[0], encoding.sizes)
        step, step_start = self._step(trial.number, min(len(first), self.beam_size))
        rng = trial_rng(self._seed, trial.number, "pnas")
        seen = proposed_tokens(study, encoding)
        if step == 0:  # nothing to predict from: the first block's cells in a seeded order
            order = trial_rng(self._seed, 0, "pnas-first").permutation(len(first))
            return self._first_unseen(first[order], seen, encoding, rng)
        scored = scored_trials(study, encoding.names, before=step_start)
        if not scored:
            return {}
        key = (step, tuple(encoding.names), tuple(t.number for t, _ in scored))
        with self._lock:  # one ranking per step while its data stays the same
            if self._ranking is None or self._ranking[0] != key:
                self._ranking = (key, self._rank(step, step_start, scored, grow, start, encoding))
            ranked = self._ranking[1]
        return self._first_unseen(ranked, seen, encoding, rng)

    def _rank(self, step, step_start, scored, grow, start, encoding) -> np.ndarray:
        """The step's candidate cells, best predicted first."""
        rows = np.array([encoding.encode(t.params) for t, _ in scored])
        rewards = np.array([r for _, r in scored])
        candidates = self._candidates(
            step, step_start, scored, rows, rewards, grow, start, encoding
        )
        key = tuple(t.number for t, _ in scored)
        self._surrogate.fit(key, rows, rewards, encoding.sizes, self._seed)
        mean, _ = self._surrogate.predict(candidates, encoding.sizes)
        return candidates[np.argsort(-mean, kind="stable")]

    def _step(self, number: int, first_size: int) -> tuple[int, int]:
        """The step trial ``number`` belongs to, and that step's first trial number."""
        if number < first_size:
            return 0, 0
        step = 1 + (number - first_size) // self.beam_size
        return step, first_size + (step - 1) * self.beam_size

    def _defaults(self, encoding: Encoding) -> np.ndarray:
        row = []
        for distribution in encoding.distributions:
            choices = getattr(distribution, "choices", ())
            held = [c for c in choices if type(c) is type(self.default) and c == self.default]
            row.append(choice_index(distribution, held[0]) if held else 0)
        return np.array(row, dtype=np.int64)

    def _candidates(self, step, step_start, scored, rows, rewards, grow, start, encoding):
        best_first = np.argsort(-rewards, kind="stable")
        if step < len(grow):  # grow block ``step`` on the K best cells of the previous step
            previous_start = 0 if step == 1 else step_start - self.beam_size
            previous = {i for i, (t, _) in enumerate(scored) if t.number >= previous_start}
            ranked = [i for i in best_first if i in previous] or list(best_first)
            parents = rows[ranked[: self.beam_size]].copy()
            for block in grow[step:]:  # not grown yet: back to the default, whatever was drawn
                parents[:, block] = start[block]
            expansions = [_expand(parents, grow[step], encoding.sizes)]
        else:  # every block re-chosen on the K best cells so far
            parents = rows[best_first[: self.beam_size]]
            expansions = [_expand(parents, block, encoding.sizes) for block in grow]
        candidates = np.unique(np.concatenate(expansions), axis=0)
        if len(candidates) > self.max_expansions:  # too many to score: a seeded sample of them
            keep = trial_rng(self._seed, step, "pnas-sample").permutation(len(candidates))
            candidates = candidates[np.sort(keep[: self.max_expansions])]
        return candidates

    def _first_unseen(self, ranked, seen, encoding, rng) -> dict[str, Any]:
        for row in ranked:
            if tuple(row.tolist()) not in seen:
                return encoding.decode(row.tolist(), rng)
        return {}  # every ranked cell is in the study already: a uniform draw


def _expand(parents: np.ndarray, block: list[int], sizes: list[int]) -> np.ndarray:
    """Every parent with the positions of ``block`` set to each combination of their tokens."""
    combos = np.array(list(itertools.product(*(range(sizes[i]) for i in block))), dtype=np.int64)
    out = np.repeat(parents, len(combos), axis=0)
    out[:, block] = np.tile(combos, (len(parents), 1))
    return out
