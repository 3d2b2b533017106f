"""One experiment: a space, an estimator and a search around one Optuna study.

``Experiment.from_config`` only wires the parts a composed Hydra config names (as
lightning-hydra-template's ``train.py`` does); ``run`` hands them to the search and writes the
results contract. The study is the only record: a re-run with the same ``study`` name continues
it, and any number of workers can share it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import torch
from omegaconf import DictConfig, OmegaConf

from nasrun.budget import Budget
from nasrun.config import instantiate
from nasrun.console import ProgressLog, print_top_trials
from nasrun.estimators import Estimator
from nasrun.export import write_best_arch
from nasrun.objectives import SearchObjective
from nasrun.report.results import provenance, trials_frame
from nasrun.search import Recorder, Search
from nasrun.spaces import Arch, SearchSpace
from nasrun.study import (
    Heartbeat,
    definition,
    label_study,
    open_storage,
    readable_storage,
    unused_name,
)
from nasrun.training import resolve_device
from nasrun.workers import WorkerPool
from nasrun.zoo import resolve_arch

#: Keys that do not change what a run computes: left out of the config digest.
RUN_ONLY_KEYS = (
    *("verbose", "study", "budget", "output_root", "storage", "threads"),
    *("workers", "worker", "heartbeat", "progress", "callbacks"),
)


@dataclass
class Experiment:
    study: optuna.Study
    space: SearchSpace
    estimator: Estimator
    search: Search
    budget: Budget
    recorder: Recorder
    info: dict[str, Any]
    workers: WorkerPool
    goal: SearchObjective

    @classmethod
    def from_config(
        cls, cfg: DictConfig, run_dir: str | Path, choices: dict[str, str] | None = None
    ) -> Experiment:
        """Builds every part before any training starts, so a bad combination fails at once."""
        budget = Budget(**OmegaConf.to_container(cfg.budget)).check()
        device = resolve_device(cfg.device)
        # A benchmark's tables (experiment=nb201_*) need no dataset: none is composed.
        dataset = instantiate(cfg.dataset, "dataset", device=device) if cfg.dataset else None
        hpo = instantiate(cfg.hpo, "hpo") if cfg.get("hpo") else None
        space = instantiate(cfg.space, "space")
        space = getattr(hpo, "wrap_space", lambda same: same)(space)  # hpo=quant adds bit widths
        trainer = instantiate(cfg.trainer, "trainer")
        data = {"dataset": dataset} if dataset is not None else {}
        estimator = instantiate(
            cfg.estimator, "estimator", space=space, trainer=trainer, seed=cfg.seed, **data
        )
        estimator.check_space(space)
        search = instantiate(cfg.search, "search", seed=cfg.seed, hpo=hpo)
        search.check(space, estimator)  # before the study: a bad combination leaves none behind
        goal = instantiate(cfg.objective, "objective").bind(estimator, space, dataset)
        goal.check(search)
        arch = resolve_arch(str(cfg.arch), space) if cfg.get("arch") else None
        names = {"space": space.name, "search": search.name, "estimator": estimator.name}
        names |= {k: v for k, v in (choices or {}).items() if k in names and v}  # Hydra's choices
        names |= {"dataset": estimator.data_name(dataset)}
        objective = goal.objective  # objective=accuracy: the estimator's own
        # Checked before the study exists; a search with parallel = False runs as one worker.
        workers = WorkerPool(cfg, Path(run_dir), choices, search.parallel)
        storage = open_storage(cfg.storage, Heartbeat(**cfg.heartbeat).check())
        defines = definition(space, estimator.name, names["dataset"], objective)
        label = {"label": (choices or {}).get("experiment") or names["space"], "seed": cfg.seed}
        study_name = cfg.study or search.study_name(names | label, config_digest(cfg))
        if not cfg.study and search.fresh_study:  # a study of its own, under a readable name
            study_name = unused_name(storage, study_name)
        study = goal.open_study(storage, study_name, defines)
        enqueue_arch(study, space, arch)
        info = {"objective": goal.summary(), **names, **described(cfg, choices)}
        label_study(study, objective.name, info)  # what the dashboard shows about the study
        info |= {"device": str(device), "threads": torch.get_num_threads()}
        info |= {"storage": readable_storage(cfg.storage), "workers": cfg.workers}
        info |= {"study": study.study_name, "run_dir": str(run_dir)}
        chosen = (cfg.get("callbacks") or {}).values()  # callbacks=[mlflow,tensorboard]
        trackers = [instantiate(c, "callbacks", run_dir=run_dir) for c in chosen]
        progress = ProgressLog(**cfg.progress)
        recorder = Recorder(
            *(space, objective.name, Path(run_dir), bool(cfg.verbose), cfg.worker),
            *(budget, trackers, progress),
        )
        recorder.goal = goal
        return cls(study, space, estimator, search, budget, recorder, info, workers, goal)

    def run(self) -> dict[str, Any]:
        """Searches until the budget is met; writes and returns the summary.

        Results are written even when the run is interrupted: every finished trial is already
        in the study, and the tables are rebuilt from it.
        """
        start = time.perf_counter()
        try:
            with self.workers.on(self.study.study_name):  # workers=N: the others, waited for
                self.search.run(self.study, self.space, self.estimator, self.budget, self.recorder)
        finally:
            summary = self.goal.write_results(
                self.recorder.run_dir,
                self.study,
                {**self.info, "elapsed_s": round(time.perf_counter() - start, 3)},
                arch_params=[d.name for d in self.space.decisions],
            )
            write_best_arch(self.recorder.run_dir, self.space, self.study, summary)
            self.recorder.close()
        if self.recorder.verbose and not self.goal.multi:  # a Pareto set has no one top
            frame = trials_frame(self.study.get_trials(deepcopy=False))
            print_top_trials(frame, self.info["objective"]["direction"])
        return summary


def described(cfg: DictConfig, choices: dict[str, str] | None) -> dict[str, Any]:
    """What a run is beyond its parts' names (summary.json, the study's attributes): the
    experiment, seed, the space's options, the budget, the versions and commit."""
    options = OmegaConf.to_container(cfg.space, resolve=True)
    return {
        "experiment": (choices or {}).get("experiment"),
        "seed": cfg.seed,
        "space_options": {k: v for k, v in options.items() if k != "_target_"},
        "budget": OmegaConf.to_container(cfg.budget),
        **provenance(),
    }


def config_digest(cfg: DictConfig) -> str:
    """A digest of what the config computes (not of output paths, storage or verbosity)."""
    cfg = cfg.copy()
    cfg.output_root = ""  # so that paths under it (a checkpoint folder) do not count either
    container = OmegaConf.to_container(cfg, resolve=True)
    for key in RUN_ONLY_KEYS:
        container.pop(key, None)
    for group in ("search", "trainer"):  # compiled or eager, the same computation: it resumes
        if isinstance(container.get(group), dict):
            container[group].pop("compile", None)
    return hashlib.sha1(OmegaConf.to_yaml(OmegaConf.create(container)).encode()).hexdigest()[:10]


def enqueue_arch(study: optuna.Study, space: SearchSpace, arch: Arch | None) -> None:
    """``nasrun-train``: the one architecture given (zoo name or string) is the first trial."""
    if arch is not None and not study.get_trials(deepcopy=False):
        study.enqueue_trial(space.to_params(arch))
