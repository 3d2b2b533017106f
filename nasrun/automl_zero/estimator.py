"""Scores algorithms on task sets: search tasks (with FEC), selection tasks and final tasks
(Real et al. 2020, Section 4: "T_search", "T_select", and unseen tasks for the final number).

Task seeds: search and selection tasks come from the run's seed (the authors'
``--randomize_task_seeds``), the final tasks from fixed seeds, so every run is judged on the
same unseen tasks (the demo's ``data_seeds: [1000000] param_seeds: [2000000]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import optuna

from nasrun.automl_zero.algorithm import Algorithm
from nasrun.automl_zero.compile import prune
from nasrun.automl_zero.evaluator import Evaluator
from nasrun.automl_zero.fec import FitnessCache, prediction_keys, program_key
from nasrun.automl_zero.space import AlgorithmSpace
from nasrun.automl_zero.tasks import TaskBatch, make_tasks
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Objective, Result

FINAL_SEED = 1_000_000
SEARCH_SEED = 2_000_000


class TaskSetEstimator(Estimator):
    """Fitness of algorithms of ``space`` on ``task`` tasks of ``features`` features.

    ``search_tasks`` / ``select_tasks`` / ``final_tasks`` give ``num_tasks``, ``train`` and
    ``valid`` examples; ``fec`` gives FEC's ``train`` / ``valid`` examples (on the first search
    task) and ``cache_size`` (null: no FEC). ``dataset`` supplies images for
    ``projected_binary`` and is unused otherwise.
    """

    name = "automl_zero"
    objective = Objective("fitness", "maximize")

    def __init__(
        self,
        space: AlgorithmSpace,
        dataset: Any = None,
        trainer: Any = None,
        seed: int = 0,
        task: str = "scalar_linear_regression",
        features: int = 4,
        search_tasks: Mapping[str, int] | None = None,
        select_tasks: Mapping[str, int] | None = None,
        final_tasks: Mapping[str, int] | None = None,
        fec: Mapping[str, int] | None = None,
        max_abs_error: float = 100.0,
        device: str = "cpu",
    ) -> None:
        if not isinstance(space, AlgorithmSpace):
            raise NasrunError("estimator=automl_zero scores algorithms: it needs space=automl_zero")
        self.space, self.dataset, self.seed = space, dataset, seed
        self.task, self.features = task, features
        self.specs = {
            "search": {"num_tasks": 10, "train": 100, "valid": 100, **(search_tasks or {})},
            "select": {"num_tasks": 100, "train": 1000, "valid": 100, **(select_tasks or {})},
            "final": {"num_tasks": 100, "train": 1000, "valid": 100, **(final_tasks or {})},
        }
        self.fec = dict(fec) if fec else None
        self.cache = FitnessCache(self.fec.get("cache_size", 100_000) if self.fec else 0)
        self.evaluator = Evaluator(space.memory, max_abs_error, device)
        self.experiment = 0

    def start_experiment(self, experiment: int) -> None:
        """New search and selection tasks (the final ones stay) and an empty FEC cache."""
        if experiment != self.experiment:
            self.experiment = experiment
            self.__dict__.pop("_tasks", None)
            self.cache = FitnessCache(self.cache.size)

    def data_name(self, dataset: Any) -> str:
        return self.task

    def check_space(self, space) -> None:
        if not isinstance(space, AlgorithmSpace):
            raise NasrunError("estimator=automl_zero scores algorithms: it needs space=automl_zero")

    def tasks(self, which: str) -> TaskBatch:
        return self._tasks[which]

    @cached_property
    def _tasks(self) -> dict[str, TaskBatch]:
        images = None
        if self.task == "projected_binary" and self.dataset is not None:
            images = (self.dataset.train.x.cpu(), self.dataset.train.y.cpu())
        # Apart from each other, from other runs' seeds and from the fixed final seeds.
        base = SEARCH_SEED + 10_000 * self.seed + 100_000_000 * self.experiment
        bases = {"search": base, "select": base + 5_000, "final": FINAL_SEED}
        made = {}
        for which, spec in self.specs.items():
            seeds = [bases[which] + i for i in range(spec["num_tasks"])]
            made[which] = make_tasks(
                self.task, seeds, self.features, spec["train"], spec["valid"], images
            )
        return made

    def score(self, algorithms: Sequence[Algorithm]) -> list[float]:
        """Search fitness of each algorithm, through the FEC cache when there is one."""
        if self.fec is None:
            return self.evaluator.fitness(algorithms, self.tasks("search"))
        keys = [program_key(prune(a)) for a in algorithms]
        fitness: list[float | None] = [self.cache.get(k) for k in keys]
        todo = [i for i, f in enumerate(fitness) if f is None]
        if todo:
            head = self.tasks("search").head(1, self.fec["train"], self.fec["valid"])
            _, predictions = self.evaluator.run([algorithms[i] for i in todo], head)
            fec_keys = prediction_keys(predictions)
            cached = [self.cache.get(k) for k in fec_keys]
            run = [i for i, f in zip(todo, cached, strict=True) if f is None]
            fresh = dict(zip(run, self.evaluator.fitness([algorithms[i] for i in run],
                                                         self.tasks("search")), strict=True))  # fmt: skip
            for i, fec_key, hit in zip(todo, fec_keys, cached, strict=True):
                fitness[i] = hit if hit is not None else fresh[i]
                self.cache.put(fec_key, fitness[i])
                self.cache.put(keys[i], fitness[i])
        return [float(f) for f in fitness]

    def evaluate(
        self,
        arch: Algorithm,
        trial: optuna.Trial,
        hyperparameters: Mapping[str, Any] | None = None,
        on_epoch: Callable | None = None,
    ) -> Result:
        start = time.perf_counter()
        (value,) = self.evaluator.fitness([arch], self.tasks("search"))
        return Result(value=value, cost_s=time.perf_counter() - start, fidelity=self.fidelity())

    def fidelity(self) -> str:
        spec = self.specs["search"]
        return f"tasks={spec['num_tasks']},train={spec['train']},valid={spec['valid']}"
