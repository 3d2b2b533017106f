"""AutoML-Zero as a nasrun search: evolution (or random search) over algorithms, recorded as
one trial per progress checkpoint, checkpointed so that a killed run resumes."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasrun.automl_zero.algorithm import Algorithm
from nasrun.automl_zero.estimator import TaskSetEstimator
from nasrun.automl_zero.evolution import Population
from nasrun.automl_zero.progress import write_progress
from nasrun.automl_zero.space import AlgorithmSpace
from nasrun.errors import NasrunError
from nasrun.estimators.base import Result
from nasrun.report.results import write_atomic
from nasrun.search.base import Search

if TYPE_CHECKING:
    import optuna

    from nasrun.budget import Budget
    from nasrun.search.recorder import Recorder


class AlgorithmSearch(Search):
    """Regularised evolution of whole learning algorithms (AutoML-Zero: Real, Liang, So & Le,
    ICML 2020), or random search with ``random_search: true``.

    ``population_size``, ``tournament_size``, ``mutations`` and ``mutate_prob`` as the paper;
    ``batch_size`` children are scored together. Every ``progress_every`` individuals the best
    algorithm so far is recorded as a trial and the state checkpointed. An algorithm whose
    search fitness exceeds ``sufficient_fitness`` is scored on the selection tasks; the best
    there is scored on the final (unseen) tasks, and the search stops once that exceeds
    ``sufficient_fitness`` too. An experiment that reaches ``max_individuals`` unsolved is
    started over with a fresh population on fresh search and selection tasks, up to
    ``max_experiments`` experiments (0: until solved or out of budget), as the authors' demo.
    """

    parallel = False  # one population per study
    fresh_study = False  # a re-run of the same command resumes its checkpoint

    def __init__(
        self,
        population_size: int = 1000,
        tournament_size: int = 10,
        mutations: list[str] | None = None,
        mutate_prob: float = 0.9,
        max_individuals: int = 1_000_000,
        max_experiments: int = 0,
        batch_size: int = 100,
        progress_every: int = 10_000,
        sufficient_fitness: float = 0.9999,
        max_candidates: int = 10,
        random_search: bool = False,
        checkpoint_dir: str = "outputs/checkpoints",
        seed: int = 0,
        hpo: Any = None,
        name: str | None = None,
    ) -> None:
        if hpo is not None:
            raise NasrunError("hpo: automl_zero searches algorithms, not training settings")
        if min(population_size, tournament_size, max_individuals, batch_size, progress_every) < 1:
            raise NasrunError("search: sizes, max_individuals and progress_every must be >= 1")
        self.population_size, self.tournament_size = population_size, tournament_size
        self.mutations = list(mutations or ["alter_param", "randomize_instruction",
                                            "randomize_component_function"])  # fmt: skip
        self.mutate_prob, self.max_individuals = mutate_prob, max_individuals
        self.max_experiments = max_experiments
        self.batch_size, self.progress_every = batch_size, progress_every
        self.sufficient_fitness, self.max_candidates = sufficient_fitness, max_candidates
        self.random_search, self.seed = random_search, seed
        self.checkpoint_dir = Path(checkpoint_dir)
        self.name = name or ("automl_zero_random" if random_search else "automl_zero")

    def check(self, space, estimator) -> None:
        if not isinstance(space, AlgorithmSpace) or not isinstance(estimator, TaskSetEstimator):
            raise NasrunError(
                f"search={self.name} evolves algorithms: it needs space and estimator automl_zero "
                "(nasrun experiment=automl_zero_linear)"
            )
        space.mutator(self.mutations, self.mutate_prob)

    def study_name(self, names: dict[str, str], config_digest: str) -> str:
        """Named by the config, so that re-running the same command finds its checkpoint."""
        return f"{names['label']}-{names['search']}-{names['dataset']}-{config_digest}"

    def run(
        self,
        study: optuna.Study,
        space: AlgorithmSpace,
        estimator: TaskSetEstimator,
        budget: Budget,
        recorder: Recorder,
    ) -> None:
        self.check(space, estimator)
        run = _Run(self, study, space, estimator, budget, recorder)
        try:
            with recorder.showing(study, None, len(study.trials)):
                run.loop()
        finally:
            write_progress(run.history, recorder.run_dir, self.name)
            if run.population.best is not None:
                best = run.selected or run.population.best
                recorder.run_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(recorder.run_dir / "best_algorithm.txt", best[0].code())


class _Run:
    """One run of the search: the loop, the selection of candidates, records, checkpoints."""

    def __init__(self, search: AlgorithmSearch, study, space, estimator, budget, recorder):
        self.search, self.study, self.estimator = search, study, estimator
        self.budget, self.recorder, self.space = budget, recorder, space
        self.experiment = 0  # restarts so far (the demo's experiments)
        self.earlier = 0  # individuals of the experiments before this one
        self._start(0)
        self.checkpoint = search.checkpoint_dir / f"{study.study_name}.json"
        self.history: list[dict[str, float]] = []  # one row per progress checkpoint
        self.tried: set[str] = set()  # candidates already scored on the selection tasks
        # The best on the selection tasks: (algorithm, search fitness, selection fitness).
        self.selected: tuple[Algorithm, float, float] | None = None
        self.final: float | None = None
        self.elapsed = 0.0  # wall-clock seconds of searching, over resumes
        self.cpu = 0.0  # this process's CPU seconds of searching (one thread: one core's time)
        self._resume()

    def _start(self, experiment: int) -> None:
        """A fresh population on fresh search and selection tasks (``--randomize_task_seeds``)."""
        search = self.search
        self.experiment = experiment
        self.estimator.start_experiment(experiment)
        mutator = self.space.mutator(search.mutations, search.mutate_prob)
        seed = search.seed + 1_000_003 * experiment
        self.population = Population(mutator, search.population_size, search.tournament_size,
                                     search.random_search, seed)  # fmt: skip

    @property
    def individuals(self) -> int:
        return self.earlier + self.population.individuals

    def loop(self) -> None:
        search = self.search
        started = time.perf_counter() - self.elapsed
        cpu_started = time.process_time() - self.cpu
        while not self.solved:
            if self.population.individuals >= search.max_individuals:
                if search.max_experiments and self.experiment + 1 >= search.max_experiments:
                    return
                self.earlier += self.population.individuals
                self._start(self.experiment + 1)
            if self.budget.reached(self.study):
                return
            scored = self.population.step(self.estimator, search.batch_size)
            self._select(scored)
            self.elapsed = time.perf_counter() - started
            self.cpu = time.process_time() - cpu_started
            every = search.progress_every
            crossed = self.individuals // every > (self.individuals - len(scored)) // every
            if crossed or self.solved or self.population.individuals >= search.max_individuals:
                self._record()
            if self.budget.seconds is not None and self.elapsed > self.budget.seconds:
                break

    @property
    def solved(self) -> bool:
        return self.final is not None and self.final > self.search.sufficient_fitness

    def _select(self, scored: list[tuple[Algorithm, float]]) -> None:
        """Scores new candidates above the threshold on T_select; the best of all on the final
        tasks when it changed."""
        good = sorted((s for s in scored if s[1] > self.search.sufficient_fitness),
                      key=lambda s: -s[1])  # fmt: skip
        fresh = [s for s in good if s[0].one_line() not in self.tried][: self.search.max_candidates]
        if not fresh:
            return
        self.tried.update(a.one_line() for a, _ in fresh)
        select = self.estimator.evaluator.fitness(
            [a for a, _ in fresh], self.estimator.tasks("select")
        )
        best = max(((a, f, s) for (a, f), s in zip(fresh, select, strict=True)), key=lambda c: c[2])
        if self.selected is None or best[2] > self.selected[2]:
            self.selected = best
            (self.final,) = self.estimator.evaluator.fitness(
                [best[0]], self.estimator.tasks("final")
            )

    def _record(self) -> None:
        best = self.population.best
        row = {
            "individuals": self.individuals,
            "experiment": self.experiment,
            "elapsed_s": round(self.elapsed, 3),
            "cpu_s": round(self.cpu, 3),
            "best_fitness": best[1],
            "individuals_per_s": self.individuals / max(self.elapsed, 1e-9),
            "individuals_per_cpu_s": self.individuals / max(self.cpu, 1e-9),
            "fec_hit_rate": self.estimator.cache.hits / max(1, self.estimator.cache.lookups),
            "select_fitness": self.selected[2] if self.selected else float("nan"),
            "final_fitness": self.final if self.final is not None else float("nan"),
            "solved": float(self.solved),
        }
        self.history.append(row)
        with warnings.catch_warnings():  # Optuna warns that heartbeats expect optimize()
            warnings.simplefilter("ignore", UserWarning)
            trial = self.study.ask()
        self.recorder.started(trial)
        # The trial is the selected algorithm once there is one (its final fitness the test
        # value), else the best so far; its value is that algorithm's search fitness.
        arch, value = (self.selected or best)[:2]
        metrics = {k: v for k, v in row.items() if k != "elapsed_s"}
        result = Result(value=value, metrics=metrics, test_value=self.final,
                        cost_s=row["elapsed_s"], fidelity=self.estimator.fidelity())  # fmt: skip
        frozen = self.study.tell(trial, self.recorder.record(trial, arch, result))
        self.recorder.finished(self.study, frozen)
        self._save()

    def _save(self) -> None:
        state = {
            "population": self.population.state_dict(),
            "experiment": self.experiment,
            "earlier": self.earlier,
            "cache": self.estimator.cache.state_dict(),
            "history": self.history,
            "tried": sorted(self.tried),
            "selected": [self.selected[0].one_line(), *self.selected[1:]]
            if self.selected
            else None,
            "final": self.final,
            "elapsed": self.elapsed,
            "cpu": self.cpu,
        }
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.checkpoint, json.dumps(state))  # a kill mid-write keeps the last one

    def _resume(self) -> None:
        if not self.checkpoint.is_file():
            return
        try:
            state = json.loads(self.checkpoint.read_text())
            self._start(int(state["experiment"]))
            self.earlier = int(state["earlier"])
            self.population.load_state_dict(state["population"])
        except (ValueError, KeyError, TypeError, NasrunError) as error:
            raise NasrunError(
                f"cannot resume from {self.checkpoint} ({type(error).__name__}: {error}); "
                "delete it to start this search over"
            ) from None
        self.estimator.cache.load_state_dict(state["cache"])
        self.history, self.tried = state["history"], set(state["tried"])
        selected = state["selected"]
        self.selected = (self.space.from_string(selected[0]), *selected[1:]) if selected else None
        self.final, self.elapsed = state["final"], float(state["elapsed"])
        self.cpu = float(state["cpu"])
