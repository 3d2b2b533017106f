"""Regularised evolution over algorithms (Real et al., AAAI 2019; AutoML-Zero Section 4.1),
and random search, advanced a batch of children at a time.

Each child's parent wins a tournament of ``tournament_size`` members drawn at random from the
population; the child is the parent mutated with probability ``mutate_prob``; the oldest
members die. A batch of ``batch_size`` children is drawn from one population and scored
together (the authors' many asynchronous workers do the same: a child's parent may be a few
children old); ``batch_size`` 1 is the sequential algorithm.
"""

from __future__ import annotations

import random

import numpy as np

from nasrun.automl_zero.algorithm import Algorithm, parse_algorithm
from nasrun.automl_zero.estimator import TaskSetEstimator
from nasrun.automl_zero.mutation import Mutator


class Population:
    """The search's state: the population (oldest first), counters, the best member so far."""

    def __init__(
        self,
        mutator: Mutator,
        population_size: int,
        tournament_size: int,
        random_search: bool,
        seed: int,
    ) -> None:
        self.mutator, self.size, self.tournament = mutator, population_size, tournament_size
        self.random_search = random_search
        self.rng = random.Random(seed)  # mutations
        self.np_rng = np.random.default_rng(seed)  # tournaments
        self.members: list[tuple[Algorithm, float]] = []  # oldest first
        self.individuals = 0
        self.best: tuple[Algorithm, float] | None = None

    def step(self, estimator: TaskSetEstimator, batch_size: int) -> list[tuple[Algorithm, float]]:
        """Draws, scores and adds one batch of individuals; returns them with their fitness."""
        if self.random_search or len(self.members) < self.size:
            count = (
                batch_size if self.random_search else min(batch_size, self.size - len(self.members))
            )
            children = [self.mutator.random_algorithm(self.rng) for _ in range(count)]
        else:
            children = [self.mutator.child(p, self.rng) for p in self._tournaments(batch_size)]
        scored = list(zip(children, estimator.score(children), strict=True))
        self.individuals += len(scored)
        for child, fitness in scored:
            if self.best is None or fitness > self.best[1]:
                self.best = (child, fitness)
        if not self.random_search:
            self.members.extend(scored)
            del self.members[: max(0, len(self.members) - self.size)]
        return scored

    def _tournaments(self, count: int) -> list[Algorithm]:
        """The winners of ``count`` tournaments, each among members drawn with replacement."""
        drawn = self.np_rng.integers(0, len(self.members), size=(count, self.tournament))
        fitness = np.array([f for _, f in self.members])[drawn]
        winners = drawn[np.arange(count), fitness.argmax(axis=1)]
        return [self.members[i][0] for i in winners]

    def state_dict(self) -> dict:
        return {
            "members": [[a.one_line(), f] for a, f in self.members],
            "individuals": self.individuals,
            "best": [self.best[0].one_line(), self.best[1]] if self.best else None,
            "rng": _jsonable(self.rng.getstate()),
            "np_rng": self.np_rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict) -> None:
        self.members = [(parse_algorithm(a), float(f)) for a, f in state["members"]]
        self.individuals = int(state["individuals"])
        best = state["best"]
        self.best = (parse_algorithm(best[0]), float(best[1])) if best else None
        self.rng.setstate(_tupled(state["rng"]))
        self.np_rng.bit_generator.state = state["np_rng"]


def _jsonable(value):
    return [_jsonable(v) for v in value] if isinstance(value, tuple | list) else value


def _tupled(value):
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value
