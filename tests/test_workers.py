"""Acceptance: four workers on one study, one global budget, on every storage.

Four real ``nasrun`` processes (the cluster idiom ``worker=K``) share a study on a
throw-away PostgreSQL server, a JournalStorage file and a SQLite file, for the stateful nasrun
samplers (ea, rl) and TPE, on the NAS-Bench-201 tables (no training: the race is the point).
PostgreSQL with ea runs in the default suite; the other eight are ``slow``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nasrun.study import open_storage
from tests import postgres
from tests.conftest import BIN

postgres_url = postgres.postgres_url  # the fixture, under the name tests ask for
TRIALS = 40
WORKERS = 4
FAST = {("postgresql", "ea")}  # the others: the same code on another storage or sampler
CASES = [
    pytest.param(kind, search, marks=() if (kind, search) in FAST else pytest.mark.slow)
    for kind in ("postgresql", "journal", "sqlite")
    for search in ("ea", "rl", "tpe")
]


def start_workers(cwd: Path, overrides: list[str], count: int = WORKERS) -> list[subprocess.Popen]:
    """``count`` nasrun processes at once, worker K in ``cwd/wK`` (the cluster idiom)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return [
        subprocess.Popen(
            [str(BIN / "nasrun"), *overrides, f"worker={k}", f"hydra.run.dir=w{k}"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k in range(count)
    ]


def errors_in_logs(cwd: Path) -> list[str]:
    """Error lines and tracebacks in the workers' logs (a trial's own failure is a WARNING)."""
    found = []
    for log in sorted(cwd.glob("w*/nasrun.log")):
        text = log.read_text()
        found += [f"{log}: {ln}" for ln in text.splitlines() if "ERROR" in ln or "Traceback" in ln]
    return found


def check_shared_study(study: optuna.Study, trials: int, cwd: Path) -> None:
    all_trials = study.get_trials(deepcopy=False)
    finished = [t for t in all_trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == trials, [t.state.name for t in all_trials]
    assert len({t.number for t in all_trials}) == len(all_trials)
    assert not [t for t in all_trials if t.state == TrialState.RUNNING]
    assert not errors_in_logs(cwd)
    # Workers seeded alike would propose the same sequence (duplicates no sampler asked for).
    by_worker: dict[str, list[str]] = {}
    for t in finished:
        by_worker.setdefault(t.user_attrs["worker"], []).append(t.user_attrs["arch"])
    firsts = [archs[0] for archs in by_worker.values()]
    assert len(set(firsts)) == len(firsts), by_worker


@pytest.mark.parametrize(("kind", "search"), CASES)
def test_four_workers_share_one_budget(tmp_path, nb201_dir, request, kind, search):
    storage = {
        "postgresql": lambda: request.getfixturevalue("postgres_url"),
        "journal": lambda: f"journal://{tmp_path}/study.log",
        "sqlite": lambda: f"sqlite:///{tmp_path}/study.db",
    }[kind]()
    study_name = f"shared-{search}-{tmp_path.name}"
    overrides = [
        "experiment=nb201_cifar10",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        f"budget.trials={TRIALS}",
        f"search={search}",
        f"study={study_name}",
        f"storage={storage}",
        "verbose=false",
        "device=cpu",
        "heartbeat.interval=1",
        "heartbeat.grace_period=5",
    ]
    for worker in start_workers(tmp_path, overrides):
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0, out
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    check_shared_study(study, TRIALS, tmp_path)


def test_workers_key_starts_the_other_workers(tmp_path, nb201_dir):
    """``workers=2``: one command, two processes, each with its tables; one budget."""
    storage = f"sqlite:///{tmp_path}/study.db"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    overrides = [
        "experiment=nb201_cifar10",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        f"budget.trials={TRIALS}",
        "search=random",
        "study=pool",
        f"storage={storage}",
        "verbose=false",
        "device=cpu",
        "workers=2",
        "hydra.run.dir=w0",
    ]
    proc = subprocess.run(
        [str(BIN / "nasrun"), *overrides], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    study = optuna.load_study(study_name="pool", storage=open_storage(storage))
    check_shared_study(study, TRIALS, tmp_path)
    for k in (1,):  # each extra worker's own record of the run
        assert (tmp_path / "w0" / "workers" / str(k) / "summary.json").is_file()
        assert "ERROR" not in (tmp_path / "w0" / "workers" / str(k) / "nasrun.log").read_text()


def test_workers_need_a_shared_storage(tmp_path):
    from nasrun.errors import NasrunError
    from tests.conftest import make_experiment

    with pytest.raises(NasrunError, match="storage=memory"):
        make_experiment(tmp_path, "workers=2", "storage=memory")
