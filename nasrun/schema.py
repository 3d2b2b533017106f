"""Typed schema of the top-level config keys, so Hydra rejects ``seed=abc`` before a run starts.

The group nodes (space, search, ...) stay untyped: each is checked by the constructor its
``_target_`` names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class BudgetSchema:
    trials: int | None = None
    seconds: float | None = None
    max_consecutive_failures: int = 10


@dataclass
class RunSchema:
    dataset: Any = None
    space: Any = None
    search: Any = None
    estimator: Any = None
    trainer: Any = None
    hpo: Any = None
    seed: int = 0
    device: str = "auto"
    verbose: bool = True
    budget: BudgetSchema = field(default_factory=BudgetSchema)
    data_dir: str = "./data"
    output_root: str = "outputs"
    storage: str = "sqlite:///outputs/nasrun.db"
    study: str | None = None
    arch: str | None = None  # a zoo name or genotype string: train this architecture only


ConfigStore.instance().store(name="nasrun_schema", node=RunSchema)
