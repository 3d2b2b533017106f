"""What a search optimises: the estimator's score alone, or together with costs (DESIGN.md §4).

An objective turns one evaluation (the architecture and the estimator's :class:`Result`) into
the value(s) told to the Optuna study, and names what it records beside them. ``accuracy``
tells the estimator's value unchanged, so a run without ``objective=`` is today's run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna

from nasrun.errors import NasrunError
from nasrun.estimators.base import Objective
from nasrun.objectives.costs import Costs
from nasrun.report.results import write_run_results
from nasrun.study import open_study

if TYPE_CHECKING:
    from nasrun.estimators import Estimator, Result
    from nasrun.spaces import Arch, SearchSpace


class SearchObjective:
    """Base class: one maximised or minimised value per trial (the estimator's by default)."""

    def bind(self, estimator: Estimator, space: SearchSpace, dataset: Any) -> SearchObjective:
        """Reads the estimator's score name and direction; costs are measured on ``space``'s
        networks for ``dataset``'s inputs. Returns ``self``."""
        self.score: Objective = estimator.objective
        self.costs = Costs(space, dataset, getattr(self, "latency", None))
        self.check_costs()
        return self

    #: The costs this objective measures (checked at ``bind``).
    cost_names: list[str] = []

    def check_costs(self) -> None:
        """Raises :class:`NasrunError` for a cost this run cannot measure (latency without a
        latency table), before the study is opened."""
        if "latency_ms" in self.cost_names:
            self.costs.latency_model()

    @property
    def objective(self) -> Objective:
        """The study's objective (name, direction) as stored in its definition."""
        return self.score

    @property
    def directions(self) -> list[str]:
        return [self.objective.direction]

    @property
    def multi(self) -> bool:
        return len(self.directions) > 1

    def summary(self) -> dict[str, Any]:
        """``summary.json``'s ``objective`` entry."""
        return {"name": self.objective.name, "direction": self.objective.direction}

    def tell(self, arch: Arch, result: Result) -> tuple[float | list[float], dict[str, float]]:
        """The value(s) to tell the study, and what to record on the trial beside them."""
        return result.value, {}

    def check(self, search: Any) -> None:
        """Raises :class:`NasrunError` when ``search`` cannot optimise this objective."""
        return None

    def open_study(self, storage: Any, name: str, definition: Mapping[str, Any]) -> optuna.Study:
        return open_study(storage, name, self.objective.direction, dict(definition))

    def write_results(
        self,
        run_dir: Path,
        study: optuna.Study,
        info: Mapping[str, Any],
        arch_params: Sequence[str] = (),
    ) -> dict[str, Any]:
        """trials.csv, summary.json and summary.md (multi-objective runs: the Pareto set)."""
        return write_run_results(run_dir, study, info, arch_params=arch_params)


class Accuracy(SearchObjective):
    """The estimator's score (validation accuracy for every training estimator): today's
    single objective, told unchanged."""


def refuse_one_shot(search: Any, what: str) -> None:
    """One-shot searchers optimise their own loss; they do not read the told value."""
    if getattr(search, "searcher", None) is not None:
        raise NasrunError(
            f"objective={what} scores discrete trials; one-shot searches optimise their own "
            "loss (search=proxyless has its own latency term): use objective=accuracy"
        )
