"""One experiment: a space, an estimator and a search strategy around one Optuna study.

``Experiment.from_config`` wires the parts from a composed Hydra config; ``run`` drives the
study to its budget and writes the results contract. The study is the only record: a re-run with
the same ``study`` name continues it, and any number of workers can share it.
"""

from __future__ import annotations

import datetime
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from omegaconf import DictConfig, OmegaConf
from optuna.trial import TrialState

from nasrun.config import instantiate
from nasrun.console import RunProgress, print_top_trials
from nasrun.errors import NasrunError
from nasrun.estimators import Estimator, LowFidelityEstimator, Result
from nasrun.hpo import HyperParameters
from nasrun.oneshot.runner import OneShotRun, config_study_name
from nasrun.report.results import trials_frame, write_run_results
from nasrun.samplers import instantiate_sampler
from nasrun.schema import RunSchema  # noqa: F401  (registers the typed config schema)
from nasrun.spaces import SearchSpace
from nasrun.study import count_finished, open_storage, open_study
from nasrun.training import resolve_device
from nasrun.zoo import resolve_arch

WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Budget:
    """When a run stops: ``trials`` finished trials in the study and/or ``seconds`` of this run."""

    trials: int | None = None
    seconds: float | None = None
    max_consecutive_failures: int = 10

    def __post_init__(self) -> None:
        if self.trials is None and self.seconds is None:
            raise NasrunError("give budget.trials or budget.seconds (or both)")
        if (self.trials is not None and self.trials < 1) or (
            self.seconds is not None and self.seconds <= 0
        ):
            raise NasrunError("budget.trials and budget.seconds must be positive")


@dataclass
class Experiment:
    study: optuna.Study
    space: SearchSpace
    estimator: Estimator
    budget: Budget
    run_dir: Path
    info: dict[str, Any] = field(default_factory=dict)
    verbose: bool = True
    one_shot: OneShotRun | None = None
    hpo: HyperParameters | None = None
    final: Experiment | None = None  # search.final_train: trains the derived arch afterwards

    @classmethod
    def from_config(
        cls, cfg: DictConfig, run_dir: str | Path, choices: dict[str, str] | None = None
    ) -> Experiment:
        """Builds every part before any training starts, so a bad combination fails at once."""
        choices = dict(choices or {})
        budget = Budget(**OmegaConf.to_container(cfg.budget))
        device = resolve_device(cfg.device)
        dataset = instantiate(cfg.dataset, "dataset", device=device)
        space = instantiate(cfg.space, "space")
        trainer = instantiate(cfg.trainer, "trainer")
        estimator = instantiate(
            cfg.estimator, "estimator", space=space, dataset=dataset, trainer=trainer
        )
        estimator.check_space(space)
        names = {
            group: choices.get(group) or _target_name(cfg.get(group))
            for group in ("space", "search", "estimator", "dataset")
        }
        # A benchmark estimator reads its own data set (the dataset group goes unused); tables
        # over runs must group by that one, e.g. NB201's cifar100, not by the default digits.
        names["dataset"] = getattr(estimator, "dataset_name", None) or names["dataset"]
        one_shot = cfg.search.get("searcher") is not None
        # A one-shot search is named by its config, so the same command finds its checkpoint.
        study_name = cfg.study or (
            config_study_name(cfg, names) if one_shot else _fresh_study_name(names)
        )
        storage = open_storage(cfg.storage)
        study = open_study(storage, study_name, estimator.objective.direction)
        study.set_user_attr("seed", int(cfg.seed))
        # Offset the sampler's seed by the trials already there, so a resumed study draws new
        # points instead of replaying the first run's; a fresh study still starts from `seed`.
        sampler_seed = int(cfg.seed) + len(study.get_trials(deepcopy=False))
        study.sampler = instantiate_sampler(cfg.search.sampler, sampler_seed, space)
        pruner = cfg.search.get("pruner")
        study.pruner = (
            instantiate(pruner, "search.pruner") if pruner else optuna.pruners.NopPruner()
        )
        if cfg.get("arch"):  # nasrun-train: the one architecture given is the first trial
            fixed = resolve_arch(str(cfg.arch), space)
            if not study.get_trials(deepcopy=False):
                study.enqueue_trial(space.to_params(fixed))
        hpo = instantiate(cfg.hpo, "hpo") if cfg.get("hpo") else None
        if hpo is not None:
            if one_shot:
                raise NasrunError("hpo: one-shot searches train one supernet; use hpo=none")
            hpo.check(estimator, study.sampler, study.pruner)
        info = {
            "objective": {
                "name": estimator.objective.name,
                "direction": estimator.objective.direction,
            },
            **names,
            "seed": int(cfg.seed),
            "device": str(device),
            "storage": cfg.storage,
            "study": study_name,
            "run_dir": str(run_dir),
        }
        run, final = None, None
        if one_shot:
            run = OneShotRun.from_config(cfg, space, dataset, estimator, study_name)
            if cfg.search.get("final_train"):
                final = _final_training(cfg, storage, study_name, space, dataset, trainer, info)
        return cls(
            study,
            space,
            estimator,
            budget,
            Path(run_dir),
            info,
            bool(cfg.verbose),
            run,
            hpo,
            final,
        )

    # -- running ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        """Runs trials until the budget is met; writes and returns the summary.

        Results are written even when the run is interrupted: every finished trial is already
        in the study, and the tables are rebuilt from it.
        """
        start = time.perf_counter()
        objective_name = self.info["objective"]["name"]
        done = count_finished(self.study)
        try:
            total = self.one_shot.searcher.epochs if self.one_shot else self.budget.trials
            with RunProgress(total, objective_name, enabled=self.verbose) as progress:
                progress.start(done)
                if self.one_shot is not None:
                    self.one_shot.run(self.study, self.budget.seconds, progress, self.run_dir)
                elif self.budget.trials is None or done < self.budget.trials:
                    self.study.optimize(
                        lambda trial: self._objective(trial, progress),
                        timeout=self.budget.seconds,
                        catch=(Exception,),
                        callbacks=[self._stopper(progress)],
                        gc_after_trial=False,
                    )
        finally:
            summary = write_run_results(
                self.run_dir,
                self.study,
                {**self.info, "elapsed_s": round(time.perf_counter() - start, 3)},
                arch_params=[d.name for d in self.space.decisions],
            )
        if self.verbose:
            frame = trials_frame(self.study.get_trials(deepcopy=False))
            print_top_trials(frame, self.info["objective"]["direction"])
        if self.final is not None:
            summary["final_train"] = self._train_final()
        return summary

    def _train_final(self) -> dict[str, Any]:
        """Trains the search's answer (its last derived architecture) from scratch."""
        complete = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if not complete:
            raise NasrunError("search.final_train: the search recorded no architecture")
        if not self.final.study.get_trials(deepcopy=False):
            arch = self.space.from_params(complete[-1].params)
            self.final.study.enqueue_trial(self.space.to_params(arch))
        return self.final.run()

    def _objective(self, trial: optuna.Trial, progress: RunProgress) -> float:
        progress.trial_started(trial.number)
        trial.set_user_attr("worker", WORKER)
        try:
            arch = self.space.suggest(trial)
            trial.set_user_attr("arch", self.space.to_string(arch))
            estimator = self.estimator
            if self.hpo is not None:  # joint NAS + HPO: this trial's training settings
                estimator = self.hpo.apply(estimator, self.hpo.suggest(trial))
            result = estimator.evaluate(
                arch,
                trial,
                on_epoch=lambda stats: progress.epoch_done(
                    stats, getattr(estimator, "epochs", None)
                ),
            )
        except optuna.TrialPruned:
            raise
        except Exception as error:
            # Recorded on the trial so trials.csv says why; the search goes on (catch= above).
            trial.set_user_attr("fail_reason", f"{type(error).__name__}: {error}"[:500])
            raise
        _record(trial, result)
        return result.value

    def _stopper(self, progress: RunProgress):
        failures = 0

        def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            nonlocal failures
            finished = count_finished(study)
            progress.trial_finished(study, trial, finished)
            failures = failures + 1 if trial.state == optuna.trial.TrialState.FAIL else 0
            if self.budget.trials is not None and finished >= self.budget.trials:
                study.stop()
            elif failures >= self.budget.max_consecutive_failures:
                progress.progress.console.print(
                    f"[red]stopping: {failures} trials failed in a row[/] (see fail_reason in trials.csv)"
                )
                study.stop()

        return callback


def _final_training(cfg, storage, study_name, space, dataset, trainer, info) -> Experiment:
    """The evaluation phase of a one-shot search, as its own study and run directory
    (``<run_dir>/final_train``): the trainer's full schedule on the derived architecture."""
    estimator = LowFidelityEstimator(space, dataset, trainer, epochs=trainer.epochs)
    name = f"{study_name}-final"
    study = open_study(storage, name, estimator.objective.direction)
    study.set_user_attr("seed", int(cfg.seed))
    final_dir = Path(info["run_dir"]) / "final_train"
    final_info = {**info, "estimator": "final_train", "study": name, "run_dir": str(final_dir)}
    return Experiment(
        study, space, estimator, Budget(trials=1), final_dir, final_info, bool(cfg.verbose)
    )


def _record(trial: optuna.Trial, result: Result) -> None:
    for key, value in result.metrics.items():
        trial.set_user_attr(key, value)
    for key in ("test_value", "params", "flops", "cost_s", "fidelity"):
        value = getattr(result, key)
        if value is not None:
            trial.set_user_attr(key, value)


def _target_name(node: Any) -> str:
    target = node.get("_target_", "") if isinstance(node, DictConfig) else ""
    return target.rsplit(".", 1)[-1] if target else "custom"


def _fresh_study_name(names: dict[str, str]) -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{names['space']}-{names['search']}-{names['estimator']}-{stamp}-{uuid.uuid4().hex[:6]}"
