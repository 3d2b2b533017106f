"""How an experiment runs a one-shot search: supernet, searcher, checkpoint, final training."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import optuna
from omegaconf import DictConfig, OmegaConf

from nasrun.config import instantiate
from nasrun.data import DataModule
from nasrun.errors import NasrunError
from nasrun.oneshot.base import OneShotSearcher
from nasrun.oneshot.history import plot_alpha_history, write_alpha_history
from nasrun.spaces import SearchSpace, Supernet

if TYPE_CHECKING:
    from nasrun.console import RunProgress
    from nasrun.estimators import Estimator


def config_study_name(cfg: DictConfig, names: dict[str, str]) -> str:
    """A study name fixed by the experiment's config (not by output paths or verbosity)."""
    container = OmegaConf.to_container(cfg, resolve=True)
    for key in ("verbose", "study", "budget", "output_root", "storage"):
        container.pop(key, None)
    digest = hashlib.sha1(OmegaConf.to_yaml(OmegaConf.create(container)).encode()).hexdigest()[:10]
    return f"{names['space']}-{names['search']}-{digest}"


@dataclass
class OneShotRun:
    searcher: OneShotSearcher
    supernet: Supernet
    space: SearchSpace
    dataset: DataModule
    checkpoint: Path
    seed: int

    @classmethod
    def from_config(
        cls,
        cfg: DictConfig,
        space: SearchSpace,
        dataset: DataModule,
        estimator: Estimator,
        study_name: str,
    ) -> OneShotRun:
        build = getattr(estimator, "build_supernet", None)
        if build is None:
            raise NasrunError(
                f"search={cfg.search.searcher._target_.rsplit('.', 1)[-1]} trains a supernet: "
                "it needs estimator=one_shot"
            )
        searcher = instantiate(cfg.search.searcher, "search.searcher")
        supernet = build(int(cfg.seed))
        checkpoint = Path(cfg.output_root) / "checkpoints" / f"{study_name}.pt"
        return cls(searcher, supernet, space, dataset, checkpoint, int(cfg.seed))

    def run(
        self, study: optuna.Study, seconds: float | None, progress: RunProgress, run_dir: Path
    ) -> None:
        """Searches (resuming from the checkpoint); alphas.csv / alphas.png go to ``run_dir``."""
        history = self.checkpoint.with_suffix(
            ".alphas.csv"
        )  # beside the checkpoint: survives resumes

        def on_epoch(epoch: int, value: float) -> None:
            progress.trial_finished(study, study.trials[-1], epoch)
            write_alpha_history(history, epoch, self.supernet)

        self.searcher.search(
            self.supernet,
            self.space,
            self.dataset,
            study,
            self.checkpoint,
            self.seed,
            seconds,
            on_epoch,
        )
        if history.is_file():
            run_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(history, run_dir / "alphas.csv")
            plot_alpha_history(history, run_dir / "alphas.png")
