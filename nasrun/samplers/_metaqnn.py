"""MetaQNN (search=metaqnn): tabular Q-learning over layer-by-layer choices, as an Optuna sampler."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, distribution_to_json
from optuna.trial import FrozenTrial

from nasrun.samplers._base import SpaceSampler
from nasrun.samplers._blocks import blocks
from nasrun.samplers._distributions import Encoding, trial_rng
from nasrun.samplers._history import proposed_tokens, scored_trials

if TYPE_CHECKING:
    from nasrun.spaces import SearchSpace

#: Baker et al. (2017), Table 2, and their code (models/cifar10/state_space_parameters.py):
#: (epsilon, unique models trained at it).
PAPER_EPSILON_SCHEDULE = (
    (1.0, 1500),
    (0.9, 100),
    (0.8, 100),
    (0.7, 100),
    (0.6, 150),
    (0.5, 150),
    (0.4, 150),
    (0.3, 150),
    (0.2, 150),
    (0.1, 150),
)

State = tuple
Action = tuple[int, ...]


def epsilon_at(
    number: int, schedule: Sequence[Sequence[float]], trials: int | None = None
) -> float:
    """The exploration rate for trial ``number``: each ``(epsilon, count)`` of ``schedule`` in
    turn, its counts rescaled to sum to ``trials`` when given (the paper's 2,700 models to a
    smaller budget, same shape); the last epsilon after the schedule ends."""
    counts = np.array([count for _, count in schedule], dtype=float)
    if trials is not None:
        counts *= trials / counts.sum()
    ends = np.round(np.cumsum(counts))
    index = int(np.searchsorted(ends, number, side="right"))
    return float(schedule[min(index, len(schedule) - 1)][0])


class MetaQNNSampler(SpaceSampler):
    """Baker et al., "Designing Neural Network Architectures using Reinforcement Learning"
    (ICLR 2017).

    An agent picks a network one layer after another (a block of :mod:`nasrun.samplers._blocks`:
    one layer of ``chain``, one edge of ``nb201``, one parameter in a plain Optuna study). A
    state is (depth, the layer just chosen); an action is the next layer. Each choice is
    epsilon-greedy on a table of Q-values (``q_init`` = 0.5 for untried actions, ties broken
    at random), epsilon following ``epsilon_schedule`` (the paper's 1.0 for 1,500 models down to
    0.1, rescaled to ``schedule_trials`` when set). A proposal already in the study is drawn
    again (up to ``max_retries``), as the paper trains only unique models.

    After each complete trial, ``replay_size`` trajectories are drawn from the replay memory of
    every scored trial so far and each gets the Q-learning update, last layer first:
    ``Q(s, a) += lr * (r + discount * max_a' Q(s', a') - Q(s, a))``, with reward ``r`` the
    objective (sign-flipped when minimising) at the terminal layer and 0 before it, ``lr`` 0.01,
    ``discount`` 1 as in the paper.

    The table is a function of the study and the seed: replayed in trial-number order, from
    scratch when the study is not a continuation of what was replayed, so a restarted run or a
    second worker continues the same search.
    """

    def __init__(
        self,
        space: SearchSpace | None = None,
        epsilon_schedule: Sequence[Sequence[float]] = PAPER_EPSILON_SCHEDULE,
        schedule_trials: int | None = None,
        lr: float = 0.01,
        discount: float = 1.0,
        q_init: float = 0.5,
        replay_size: int = 128,
        max_retries: int = 100,
        n_bins: int = 10,
        seed: int | None = None,
    ) -> None:
        if not epsilon_schedule or any(not 0 <= e <= 1 or c < 0 for e, c in epsilon_schedule):
            raise ValueError("epsilon_schedule: (epsilon in [0, 1], count >= 0) pairs")
        if not 0 < lr <= 1 or not 0 <= discount <= 1 or replay_size < 0 or max_retries < 1:
            raise ValueError("need 0 < lr <= 1, 0 <= discount <= 1, replay_size >= 0")
        super().__init__(seed)
        self.space = space
        self.epsilon_schedule = [tuple(pair) for pair in epsilon_schedule]
        self.schedule_trials, self.lr, self.discount, self.q_init = (
            schedule_trials,
            lr,
            discount,
            q_init,
        )
        self.replay_size, self.max_retries, self.n_bins = replay_size, max_retries, n_bins
        self._key: tuple | None = None
        self._seen: list[int] = []

    # -- the Q-table, replayed from the study ----------------------------------------------

    def _sync(self, study: optuna.Study, search_space: dict[str, BaseDistribution]) -> None:
        key = tuple((n, distribution_to_json(d)) for n, d in sorted(search_space.items()))
        if key != self._key:
            self._key, self._seen = key, []
            self.encoding = Encoding(search_space, self.n_bins)
            self._blocks = blocks(self.space, self.encoding.names)
            self._n_actions = [
                math.prod(self.encoding.sizes[i] for i in block) for block in self._blocks
            ]
        scored = scored_trials(study, self.encoding.names)
        numbers = [t.number for t, _ in scored]
        if numbers[: len(self._seen)] != self._seen:  # not a continuation: replay from scratch
            self._seen = []
        if not self._seen:
            self.q: dict[State, dict[Action, float]] = {}
            self.memory: list[tuple[list[Action], float]] = []
        for t, reward in scored[len(self._seen) :]:
            self.memory.append((self._actions(self.encoding.encode(t.params)), reward))
            rng = trial_rng(self._seed, t.number, "replay")
            for i in rng.randint(len(self.memory), size=self.replay_size):
                self.update(*self.memory[i])
            self._seen.append(t.number)

    def _actions(self, tokens: list[int]) -> list[Action]:
        return [tuple(tokens[i] for i in block) for block in self._blocks]

    @staticmethod
    def _state(depth: int, actions: list[Action]) -> State:
        return (depth, actions[depth - 1]) if depth else ("start",)

    def _max_q(self, depth: int, state: State) -> float:
        values = self.q.get(state, {})
        best = max(values.values(), default=-math.inf)
        return max(best, self.q_init) if len(values) < self._n_actions[depth] else best

    def update(self, actions: list[Action], reward: float) -> None:
        """One Q-learning pass over a trajectory, from its last layer back to its first."""
        for depth in reversed(range(len(actions))):
            state = self._state(depth, actions)
            last = depth == len(actions) - 1
            target = (
                reward
                if last
                else self.discount * self._max_q(depth + 1, (depth + 1, actions[depth]))
            )
            row = self.q.setdefault(state, {})
            value = row.get(actions[depth], self.q_init)
            row[actions[depth]] = value + self.lr * (target - value)

    # -- the epsilon-greedy agent ----------------------------------------------------------

    def _choose(self, depth: int, state: State, epsilon: float, rng) -> Action:
        sizes = [self.encoding.sizes[i] for i in self._blocks[depth]]
        values = self.q.get(state, {})
        if rng.uniform() >= epsilon and values:
            best = max(values.values())
            ties = [a for a, v in values.items() if v == best]
            n_untried = self._n_actions[depth] - len(values)
            if n_untried and self.q_init >= best:  # untried actions hold q_init
                ties = [] if self.q_init > best else ties
                if rng.randint(n_untried + len(ties)) < n_untried:
                    return self._untried(sizes, values, rng)
            return ties[rng.randint(len(ties))]
        return self._untried(sizes, {}, rng)

    @staticmethod
    def _untried(sizes: list[int], values: dict[Action, float], rng) -> Action:
        if len(values) * 2 < math.prod(sizes):  # mostly untried: draw until one is
            while True:
                action = tuple(int(rng.randint(s)) for s in sizes)
                if action not in values:
                    return action
        untried = [a for a in itertools.product(*map(range, sizes)) if a not in values]
        return untried[rng.randint(len(untried))]

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        rng = trial_rng(self._seed, trial.number, "metaqnn")
        epsilon = epsilon_at(trial.number, self.epsilon_schedule, self.schedule_trials)
        with self._lock:
            self._sync(study, search_space)
            seen = proposed_tokens(study, self.encoding)
            for _ in range(self.max_retries):
                actions: list[Action] = []
                for depth in range(len(self._blocks)):
                    actions.append(self._choose(depth, self._state(depth, actions), epsilon, rng))
                tokens = [0] * len(self.encoding.names)
                for block, action in zip(self._blocks, actions, strict=True):
                    for i, token in zip(block, action, strict=True):
                        tokens[i] = token
                if tuple(tokens) not in seen:
                    break
            return self.encoding.decode(tokens, rng)
