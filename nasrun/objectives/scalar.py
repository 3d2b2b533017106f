"""Accuracy and one cost folded into one value, for single-objective searches (``rl``,
``ppo``, ``ea``, ``tpe``, ...): MnasNet's reward, and a hard budget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import optuna

from nasrun.errors import NasrunError
from nasrun.estimators.base import Objective
from nasrun.objectives.base import SearchObjective, refuse_one_shot
from nasrun.objectives.costs import Costs, recorded

if TYPE_CHECKING:
    from nasrun.estimators import Result
    from nasrun.spaces import Arch


class MnasnetReward(SearchObjective):
    """MnasNet's reward (Tan et al., CVPR 2019, eq. 2): ``ACC(m) * [cost(m) / target]^w`` with
    ``w = alpha`` when ``cost <= target`` and ``w = beta`` otherwise. The paper's soft
    constraint is ``alpha = beta = -0.07``; its hard constraint ``alpha = 0, beta = -1``.
    The cost is ``latency_ms`` by default; JASQ's evolution weighs ``size_bytes`` the same way.
    """

    def __init__(
        self,
        target: float,
        cost: str = "latency_ms",
        alpha: float = -0.07,
        beta: float = -0.07,
        latency: Mapping[str, Any] | None = None,
    ) -> None:
        self.latency = latency  # how latency_ms is measured (nasrun.objectives.latency)
        if not target > 0:
            raise NasrunError(f"objective.target must be positive, got {target}")
        self.target, self.cost, self.alpha, self.beta = target, Costs.check(cost), alpha, beta
        self.cost_names = [self.cost]

    @property
    def objective(self) -> Objective:
        return Objective(f"mnasnet_reward({self.cost}<={self.target:g})", "maximize")

    def bind(self, estimator, space, dataset) -> SearchObjective:
        super().bind(estimator, space, dataset)
        if self.score.direction != "maximize":
            raise NasrunError(f"objective=mnasnet scales a maximised score, not {self.score.name}")
        return self

    def reward(self, score: float, cost: float) -> float:
        weight = self.alpha if cost <= self.target else self.beta
        return score * (cost / self.target) ** weight

    def tell(self, arch: Arch, result: Result) -> tuple[float, dict[str, float]]:
        cost = self.costs(self.cost, arch, result)
        return self.reward(result.value, cost), recorded(
            {self.score.name: result.value, self.cost: cost}
        )

    def check(self, search: Any) -> None:
        refuse_one_shot(search, "mnasnet")


class BudgetConstraint(SearchObjective):
    """The score, for architectures whose ``cost`` is at most ``budget``; the others are
    rejected (recorded, then PRUNED: no sampler learns from their score)."""

    def __init__(
        self, budget: float, cost: str = "params", latency: Mapping[str, Any] | None = None
    ) -> None:
        self.latency = latency
        if not budget > 0:
            raise NasrunError(f"objective.budget must be positive, got {budget}")
        self.budget, self.cost = budget, Costs.check(cost)
        self.cost_names = [self.cost]

    @property
    def objective(self) -> Objective:
        return Objective(f"{self.score.name}({self.cost}<={self.budget:g})", self.score.direction)

    def tell(self, arch: Arch, result: Result) -> tuple[float, dict[str, Any]]:
        cost = self.costs(self.cost, arch, result)
        if cost > self.budget:
            raise Rejected(f"{self.cost}={cost:g} is above the budget {self.budget:g}")
        return result.value, recorded({self.cost: cost})

    def check(self, search: Any) -> None:
        refuse_one_shot(search, "constraint")


class Rejected(optuna.TrialPruned):
    """An architecture over the constraint's budget: its trial ends PRUNED."""
