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
from nasrun.console import print_top_trials
from nasrun.estimators import Estimator
from nasrun.report.results import trials_frame, write_run_results
from nasrun.search import Recorder, Search
from nasrun.spaces import Arch, SearchSpace
from nasrun.storage_errors import masked
from nasrun.study import Heartbeat, definition, open_storage, open_study
from nasrun.training import resolve_device
from nasrun.workers import WorkerPool
from nasrun.zoo import resolve_arch

#: Keys that do not change what a run computes: left out of the config digest.
RUN_ONLY_KEYS = (
    *("verbose", "study", "budget", "output_root", "storage", "threads"),
    *("workers", "worker", "heartbeat"),
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

    @classmethod
    def from_config(
        cls, cfg: DictConfig, run_dir: str | Path, choices: dict[str, str] | None = None
    ) -> Experiment:
        """Builds every part before any training starts, so a bad combination fails at once."""
        budget = Budget(**OmegaConf.to_container(cfg.budget)).check()
        device = resolve_device(cfg.device)
        dataset = instantiate(cfg.dataset, "dataset", device=device)
        space = instantiate(cfg.space, "space")
        trainer = instantiate(cfg.trainer, "trainer")
        estimator = instantiate(
            cfg.estimator, "estimator", space=space, dataset=dataset, trainer=trainer, seed=cfg.seed
        )
        estimator.check_space(space)
        hpo = instantiate(cfg.hpo, "hpo") if cfg.get("hpo") else None
        search = instantiate(cfg.search, "search", seed=cfg.seed, hpo=hpo)
        search.check(space, estimator)  # before the study: a bad combination leaves none behind
        arch = resolve_arch(str(cfg.arch), space) if cfg.get("arch") else None
        names = {"space": space.name, "search": search.name, "estimator": estimator.name}
        names |= {k: v for k, v in (choices or {}).items() if k in names}  # Hydra's choices
        names |= {"dataset": estimator.data_name(dataset)}
        objective = estimator.objective
        # Checked before the study exists; a search with parallel = False runs as one worker.
        workers = WorkerPool(cfg, Path(run_dir), choices, search.parallel)
        storage = open_storage(cfg.storage, Heartbeat(**cfg.heartbeat).check())
        defines = definition(space, estimator.name, names["dataset"], objective)
        study_name = cfg.study or search.study_name(names, config_digest(cfg))
        study = open_study(storage, study_name, objective.direction, defines)
        enqueue_arch(study, space, arch)
        info = {"objective": {"name": objective.name, "direction": objective.direction}, **names}
        info |= {"seed": cfg.seed, "device": str(device), "threads": torch.get_num_threads()}
        info |= {"storage": masked(cfg.storage), "workers": cfg.workers}
        info |= {"study": study.study_name, "run_dir": str(run_dir)}
        recorder = Recorder(space, objective.name, Path(run_dir), bool(cfg.verbose), cfg.worker)
        return cls(study, space, estimator, search, budget, recorder, info, workers)

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
            summary = write_run_results(
                self.recorder.run_dir,
                self.study,
                {**self.info, "elapsed_s": round(time.perf_counter() - start, 3)},
                arch_params=[d.name for d in self.space.decisions],
            )
        if self.recorder.verbose:
            frame = trials_frame(self.study.get_trials(deepcopy=False))
            print_top_trials(frame, self.info["objective"]["direction"])
        return summary


def config_digest(cfg: DictConfig) -> str:
    """A digest of what the config computes (not of output paths, storage or verbosity)."""
    cfg = cfg.copy()
    cfg.output_root = ""  # so that paths under it (a checkpoint folder) do not count either
    container = OmegaConf.to_container(cfg, resolve=True)
    for key in RUN_ONLY_KEYS:
        container.pop(key, None)
    return hashlib.sha1(OmegaConf.to_yaml(OmegaConf.create(container)).encode()).hexdigest()[:10]


def enqueue_arch(study: optuna.Study, space: SearchSpace, arch: Arch | None) -> None:
    """``nasrun-train``: the one architecture given (zoo name or string) is the first trial."""
    if arch is not None and not study.get_trials(deepcopy=False):
        study.enqueue_trial(space.to_params(arch))
