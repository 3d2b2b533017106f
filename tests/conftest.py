"""Shared fixtures: the real CLI in a subprocess, and real Hydra composition in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from nasrun.config import compose

BIN = Path(sys.executable).parent
NB201_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"

# Small enough that a whole run takes seconds on two CPU cores.
TINY = [
    "space.num_layers=2",
    "space.num_filters=[8,12]",
    "space.filter_sizes=[1,3]",
    "estimator.epochs=1",
    "trainer.batch_size=128",
    "device=cpu",
]

torch.set_num_threads(1)  # tests run two at a time (-n 2) on two cores


def run_cli(
    cwd: Path, *args: str, tool: str = "nasrun", check: bool = True
) -> subprocess.CompletedProcess:
    """Runs an installed console script in ``cwd``; fails the test with its output when it fails."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"{tool} {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def run_dir_results(run_dir: Path) -> tuple[pd.DataFrame, dict]:
    return pd.read_csv(run_dir / "trials.csv"), json.loads((run_dir / "summary.json").read_text())


def make_experiment(tmp_path: Path, *overrides: str, run: str = "run"):
    """The experiment ``nasrun <overrides>`` would run, built in-process (tiny, quiet, in tmp_path)."""
    from nasrun.experiment import Experiment

    cfg = compose(
        *TINY,
        "verbose=false",
        f"output_root={tmp_path}/outputs",
        f"storage=sqlite:///{tmp_path}/outputs/nasrun.db",
        *overrides,
    )
    return Experiment.from_config(cfg, tmp_path / run)


@pytest.fixture
def compose_config():
    """``compose_config(*overrides)``: the real composed config, as the CLI would see it."""

    return compose


@pytest.fixture
def nb201_dir() -> Path:
    if not (NB201_DIR / "nb201" / "nats_bench.csv").is_file():
        pytest.skip(f"NAS-Bench-201 tables not found under {NB201_DIR / 'nb201'}")
    return NB201_DIR
