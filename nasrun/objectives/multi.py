"""Accuracy and costs as separate objectives: Optuna's multi-objective samplers (``nsga2``,
``tpe``, ``random``) search for the Pareto set, and ``summary.json`` holds it."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna

from nasrun.errors import NasrunError
from nasrun.estimators.base import Objective
from nasrun.objectives.base import SearchObjective, refuse_one_shot
from nasrun.objectives.costs import Costs, recorded
from nasrun.study import _check_definition, study_name

if TYPE_CHECKING:
    from nasrun.estimators import Result
    from nasrun.spaces import Arch

#: Optuna samplers that rank trials by several values (the nasrun samplers take one scalar).
MULTI_OBJECTIVE_SAMPLERS = ("NSGAIISampler", "NSGAIIISampler", "TPESampler", "RandomSampler")


class MultiObjective(SearchObjective):
    """Maximise the estimator's score and minimise each of ``costs`` (``params``, ``flops``,
    ``size_bytes``, ``latency_ms``); every objective is recorded under its name (``params``
    as ``n_params``, as in every run), and the study names its values (optuna-dashboard's axes)."""

    def __init__(
        self, costs: Sequence[str] = ("flops",), latency: Mapping[str, Any] | None = None
    ) -> None:
        self.latency = latency  # how latency_ms is measured (nasrun.objectives.latency)
        if not costs:
            raise NasrunError("objective.costs: name at least one cost, e.g. [flops]")
        self.cost_names = [Costs.check(c) for c in costs]

    @property
    def names(self) -> list[str]:
        return [self.score.name, *self.cost_names]

    @property
    def objective(self) -> Objective:
        return Objective("+".join(self.names), "+".join(self.directions))

    @property
    def directions(self) -> list[str]:
        return [self.score.direction] + ["minimize"] * len(self.cost_names)

    def summary(self) -> dict[str, Any]:
        # "direction" is the score's, so reports that read one direction still read this run.
        objectives = [
            {"name": n, "direction": d} for n, d in zip(self.names, self.directions, strict=True)
        ]
        return {"name": self.objective.name, "direction": self.score.direction} | {
            "objectives": objectives
        }

    def tell(self, arch: Arch, result: Result) -> tuple[list[float], dict[str, float]]:
        values = [result.value] + [self.costs(c, arch, result) for c in self.cost_names]
        return values, recorded(dict(zip(self.names, values, strict=True)))

    def check(self, search: Any) -> None:
        refuse_one_shot(search, "multi")
        sampler = getattr(search, "sampler", None)
        name = getattr(getattr(sampler, "func", sampler), "__name__", "")
        if name not in MULTI_OBJECTIVE_SAMPLERS:
            raise NasrunError(
                f"objective=multi needs a multi-objective sampler (search=nsga2, tpe or random), "
                f"not search={search.name}; use objective=mnasnet for rl, ppo and ea"
            )

    def open_study(self, storage: Any, name: str, definition: Mapping[str, Any]) -> optuna.Study:
        name = study_name(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study = optuna.create_study(
                storage=storage, study_name=name, directions=self.directions, load_if_exists=True
            )
        stored = [d.name.lower() for d in study.directions]
        if stored != self.directions:
            raise NasrunError(
                f"study {name!r} exists with directions {stored}, but this run's objective wants "
                f"{self.directions}; pick another study name"
            )
        _check_definition(study, dict(definition))
        if study.metric_names != self.names:  # "Objective 0", "Objective 1" without them
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.set_metric_names(self.names)
        return study

    def write_results(
        self,
        run_dir: Path,
        study: optuna.Study,
        info: Mapping[str, Any],
        arch_params: Sequence[str] = (),
    ) -> dict[str, Any]:
        """trials.csv, summary.json and summary.md with the Pareto set, and each of its
        architectures as ``pareto/arch_<trial>.json`` (``nasrun-train arch=<file>`` retrains it)."""
        from nasrun.report.pareto import write_pareto_archs, write_pareto_results

        summary = write_pareto_results(run_dir, study, info, self.summary(), arch_params)
        write_pareto_archs(run_dir, self.costs.space, study, summary)
        return summary
