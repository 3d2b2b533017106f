"""Each benchmark script runs at toy size on the CPU and ends with its table and ratio line.

The figures themselves are never asserted (they are timings); the scripts are run as a user
runs them, in a subprocess with one torch thread."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
RATIO = re.compile(r"ratio .*: .*\d+\.\d\d")


def run_script(name: str, *args: str, cwd: Path) -> str:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_bench_overhead_compares_nasrun_with_a_plain_optuna_loop(tmp_path, nb201_dir):
    out = run_script("bench_overhead.py", "--trials", "10", f"--data-dir={nb201_dir}", cwd=tmp_path)
    assert "optuna, bare" in out and "optuna, same record" in out and "nasrun run" in out
    assert RATIO.search(out.splitlines()[-1]), out


@pytest.mark.slow
def test_bench_overhead_times_the_readme_sweep(tmp_path, nb201_dir):
    out = run_script(
        "bench_overhead.py",
        "--trials",
        "5",
        "--sweep",
        "1",
        f"--data-dir={nb201_dir}",
        cwd=tmp_path,
    )
    assert "sweep ratio (typed / script)" in out


def test_bench_train_compares_the_trainer_with_the_papers_loop(tmp_path):
    out = run_script(
        "bench_train.py", "--small", "--networks", "chain", "--images", "64", cwd=tmp_path
    )
    assert re.search(r"^chain +\d+ +\d+ +\d+\.\d\d .* n/a$", out, re.M), out  # no peak on a CPU
    assert RATIO.search(out.splitlines()[-1]), out


@pytest.mark.slow
def test_bench_train_on_every_network(tmp_path):
    out = run_script("bench_train.py", "--small", cwd=tmp_path)
    assert all(f"\n{n} " in out for n in ("nb201", "darts_v2", "chain")), out


@pytest.mark.slow  # spawned processes each import torch and nasrun
def test_bench_pack_times_concurrent_trainings(tmp_path):
    out = run_script("bench_pack.py", "--small", cwd=tmp_path)
    assert re.search(r"^ +2 +\d+ +\d+ +\d+\.\d\d$", out, re.M), out
    assert RATIO.search(out.splitlines()[-1]), out


@pytest.mark.slow
def test_bench_darts_epoch_eager_and_compiled(tmp_path):
    out = run_script(
        "bench_darts_epoch.py",
        *("--small", "--device", "cpu", "--compile", "--orders", "1"),
        "--backend=aot_eager",  # the compiled path without minutes of C++ code generation
        cwd=tmp_path,
    )
    assert "order 1 eager / compiled" in out.splitlines()[-1], out


def test_gpu_check_runs_the_steps_named_and_keeps_their_output(tmp_path):
    """The script a GPU session runs once, tried as its docs say: at toy sizes on the CPU."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    env |= {"OUT": str(tmp_path / "out"), "PYTHON": sys.executable}
    command = ["bash", str(SCRIPTS / "gpu_check.sh"), "--small", "tests", "bench_pack"]
    done = subprocess.run(
        command, cwd=SCRIPTS.parent, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.txt")) == [
        "bench_pack.txt",
        "nvidia-smi.txt",
        "tests.txt",
    ]
    assert RATIO.search((tmp_path / "out" / "bench_pack.txt").read_text())
