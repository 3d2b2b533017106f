"""Typed schema of the top-level config keys, so Hydra rejects ``seed=abc`` before a run starts.

The group nodes (space, search, ...) stay untyped: each is checked by the constructor its
``_target_`` names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from nasrun.budget import Budget
from nasrun.console import ProgressLog
from nasrun.study import Heartbeat


@dataclass
class RunSchema:
    dataset: Any = None
    space: Any = None
    search: Any = None
    estimator: Any = None
    trainer: Any = None
    hpo: Any = None
    objective: Any = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None  # torch intra-op threads; null: this process's cores / local workers
    verbose: bool = True
    budget: Budget = field(default_factory=Budget)
    data_dir: str = "./data"
    output_root: str = "outputs"
    storage: str = "sqlite:///outputs/nasrun.db"
    study: str | None = None
    worker: int = 0  # which worker on a shared study this is: its sampler is seeded apart
    workers: int = 1  # processes on this run's study (this one and N-1 started beside it)
    heartbeat: Heartbeat = field(default_factory=Heartbeat)  # RDB trials' heartbeats, retries
    arch: str | None = None  # a zoo name or genotype string: train this architecture only
    progress: ProgressLog = field(default_factory=ProgressLog)  # plain lines in a batch log
    callbacks: Any = None  # live trackers (callbacks=[mlflow,tensorboard]), configs/callbacks/


def register_schema() -> None:
    ConfigStore.instance().store(name="nasrun_schema", node=RunSchema)
