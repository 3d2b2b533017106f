"""Many workers on one study: a real PostgreSQL server and a real SQLite file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import optuna
import pytest

from nasrun.study import open_storage
from tests.conftest import BIN, TINY, run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str) -> list[str]:
    # initdb refuses to run as root; the server then runs as the postgres user too.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@pytest.fixture
def postgres_url():
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not on PATH")
    # Not under pytest's tmp_path: that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="nasrun-pg-"))
    root.chmod(0o777)
    data = root / "data"
    port = _free_port()
    subprocess.run(
        _as_postgres("initdb", "-D", str(data), "-A", "trust", "-U", "nasrun"),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_postgres(
            "pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://nasrun@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres("pg_ctl", "-D", str(data), "-m", "fast", "stop"), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)


def _two_workers(tmp_path: Path, storage: str, trials: int) -> optuna.Study:
    common = [
        *TINY,
        f"storage={storage}",
        "study=shared",
        f"budget.trials={trials}",
        "verbose=false",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    workers = [
        subprocess.Popen(
            [str(BIN / "nasrun"), *common, f"seed={seed}", f"hydra.run.dir=w{seed}"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (0, 1)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, out + err
    return optuna.load_study(study_name="shared", storage=open_storage(storage))


def _check_shared(study: optuna.Study, trials: int) -> None:
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    # Each worker stops once the study holds the budget; one trial per worker may be in flight.
    assert trials <= len(complete) <= trials + 1
    assert len({t.number for t in complete}) == len(complete)
    assert len({t.user_attrs["worker"] for t in complete}) == 2  # both contributed


def test_two_workers_share_a_postgresql_study(tmp_path, postgres_url):
    _check_shared(_two_workers(tmp_path, postgres_url, trials=6), trials=6)


def test_two_workers_share_a_sqlite_study(tmp_path):
    _check_shared(_two_workers(tmp_path, f"sqlite:///{tmp_path}/shared.db", trials=6), trials=6)


def test_joblib_launcher_runs_a_sweep_in_parallel_processes(tmp_path):
    run_cli(
        tmp_path,
        "-m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        *TINY,
        "budget.trials=2",
        "verbose=false",
        "seed=0,1",
        "hydra.sweep.dir=sweep",
    )
    summaries = sorted((tmp_path / "sweep").rglob("summary.json"))
    assert len(summaries) == 2


def test_journal_storage_url(tmp_path):
    storage = open_storage(f"journal:///{tmp_path}/j/study.log")
    study = optuna.create_study(storage=storage, study_name="j")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert (
        len(
            optuna.load_study(
                study_name="j", storage=open_storage(f"journal:///{tmp_path}/j/study.log")
            ).trials
        )
        == 2
    )


def test_memory_storage_is_private_to_the_process():
    # storage=memory: for many short runs (scripts/reproduce_nb201.py); nothing is shared.
    storage = open_storage("memory")
    assert isinstance(storage, optuna.storages.InMemoryStorage)
    assert open_storage("memory") is not storage
