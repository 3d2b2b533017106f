"""Many workers on one study: a real PostgreSQL server and a real SQLite file."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nasrun.budget import Budget, Turn, claims
from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment
from nasrun.storage_errors import masked
from nasrun.study import (
    Heartbeat,
    journal_path,
    open_storage,
    open_study,
    readable_storage,
    storage_url,
    study_name,
)
from tests import postgres
from tests.conftest import TINY, make_experiment, run_cli
from tests.test_workers import start_workers

postgres_url = postgres.postgres_url  # the fixture, under the name tests ask for


def _two_workers(tmp_path: Path, storage: str, trials: int) -> optuna.Study:
    common = [
        *TINY,
        f"storage={storage}",
        "study=shared",
        f"budget.trials={trials}",
        "verbose=false",
    ]
    workers = start_workers(tmp_path, common, count=2)
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        assert worker.returncode == 0, out
    return optuna.load_study(study_name="shared", storage=open_storage(storage))


def _check_shared(study: optuna.Study, trials: int) -> None:
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    # The budget is the study's, however the workers raced: no trial beyond it.
    assert len(complete) == trials
    assert len({t.number for t in complete}) == len(complete)
    assert len({t.user_attrs["worker"] for t in complete}) == 2  # both contributed


@pytest.mark.slow  # tests/test_workers.py runs four workers
def test_two_workers_share_a_postgresql_study(tmp_path, postgres_url):
    _check_shared(_two_workers(tmp_path, postgres_url, trials=6), trials=6)


@pytest.mark.slow  # tests/test_workers.py runs four workers
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


# --- storage URLs, damaged files, names, passwords, definitions (issue 11, point 5) ---------


def test_journal_url_with_three_slashes_is_an_absolute_path(tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert journal_path("journal:///tmp/x.log") == Path("/tmp/x.log")
    assert journal_path("journal:////tmp/x.log") == Path("/tmp/x.log")  # SQLAlchemy's form
    assert journal_path("journal://rel/x.log") == Path("rel/x.log")
    open_storage(f"journal://{tmp_path}/abs/x.log")  # tmp_path is absolute: three slashes
    assert (tmp_path / "abs" / "x.log").is_file()
    assert not (cwd / str(tmp_path).lstrip("/")).exists()
    open_storage("journal://rel/x.log")
    assert (cwd / "rel" / "x.log").is_file()


def _journal_with_trials(path: Path) -> bytes:
    study = optuna.create_study(storage=open_storage(f"journal://{path}"), study_name="j")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda good: good[:-20], "torn write"),  # the last write cut short
        (lambda good: good[:150] + b"{garbage\n" + good[150:], "damaged at line"),
    ],
)
def test_a_damaged_journal_is_one_line_and_left_as_it_is(tmp_path, damage, says):
    path = tmp_path / "study.log"
    damaged = damage(_journal_with_trials(path))
    path.write_bytes(damaged)
    with pytest.raises(NasrunError, match=says) as error:
        open_storage(f"journal://{path}")
    assert "\n" not in str(error.value)
    assert path.read_bytes() == damaged  # nothing appended after the damage


def test_a_long_study_name_is_hashed_and_found_again(postgres_url):
    storage = open_storage(postgres_url)
    name = "n" * 600  # over PostgreSQL's 512-character column
    study = open_study(storage, name, "maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.study_name.encode()) <= 200 and study.study_name.startswith("n" * 100)
    again = open_study(open_storage(postgres_url), name, "maximize")
    assert again.study_name == study.study_name and len(again.trials) == 2
    assert study_name("short") == "short"
    assert study_name("é" * 300) != study_name("é" * 301)  # whole name digested, bytes counted


def test_a_one_shot_search_with_a_long_study_name_keeps_its_checkpoint(tmp_path):
    long_name = "one-shot-" + "x" * 300  # the checkpoint file is named after the study
    overrides = [
        "search=spos",
        "search.epochs=1",
        "search.batch_size=128",
        "search.searcher.samples=2",
    ]
    experiment = make_experiment(tmp_path, *overrides, f"study={long_name}")
    experiment.run()
    checkpoints = list((tmp_path / "outputs" / "checkpoints").glob("*.pt"))
    assert [p.name for p in checkpoints] == [f"{experiment.study.study_name}.pt"]


def test_the_database_password_is_never_shown():
    url = f"postgresql://nasrun:s3cr3t-pw@127.0.0.1:{_closed_port()}/db"
    with pytest.raises(NasrunError) as error:
        open_storage(url)
    assert "s3cr3t-pw" not in str(error.value) and "***" in str(error.value)
    assert masked(url) == url.replace("s3cr3t-pw", "***")
    assert masked("sqlite:///x.db") == "sqlite:///x.db"


def _closed_port() -> int:
    import socket

    with socket.socket() as s:  # bound, never listening: a refused connection
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("change", "differs"),
    [
        ("space.num_filters=[8,16]", "decisions"),
        ("space.num_layers=3", "decisions"),
        ("dataset=synthetic", "dataset"),
        ("estimator=weight_inheritance", "estimator"),
    ],
)
def test_a_study_refuses_another_experiment(tmp_path, change, differs):
    make_experiment(tmp_path, "study=same")
    make_experiment(tmp_path, "study=same")  # the same experiment continues its study
    with pytest.raises(NasrunError, match=f"another experiment: {differs}=") as error:
        make_experiment(tmp_path, "study=same", change)
    assert "\n" not in str(error.value)


def test_a_full_disk_under_sqlite_is_one_line(tmp_path, nb201_dir):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        cfg = compose(
            "experiment=nb201_cifar10",
            f"data_dir={nb201_dir}",
            "budget.cost_s=null",
            "budget.trials=100000",
            f"storage=sqlite:///{disk}/study.db",
            "verbose=false",
        )
        experiment = Experiment.from_config(cfg, tmp_path / "run")
        with pytest.raises(NasrunError, match="database or disk is full") as error:
            experiment.run()
        assert "\n" not in str(error.value)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)  # lazy: SQLite may hold it


def test_heartbeat_settings_are_checked_and_reach_the_storage(tmp_path):
    with pytest.raises(NasrunError, match="grace_period"):
        Heartbeat(interval=10, grace_period=10).check()
    storage = open_storage(f"sqlite:///{tmp_path}/h.db", Heartbeat(interval=2, grace_period=5))
    assert storage.get_heartbeat_interval() == 2


def test_a_trial_whose_worker_died_before_its_heartbeat_thread_ran_is_stale(tmp_path):
    """The first beat is written with the trial: no moment in which a dead worker's trial has
    none (Optuna never calls such a trial stale: it stayed RUNNING and held its place)."""
    storage = open_storage(f"sqlite:///{tmp_path}/d.db", Heartbeat(interval=1, grace_period=2))
    study = optuna.create_study(storage=storage)
    study.ask()  # its worker dies here, before any heartbeat thread started
    time.sleep(3)
    optuna.storages.fail_stale_trials(study)
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.WAITING]


def test_a_running_trial_keeps_beating_after_its_first_beat(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/a.db", Heartbeat(interval=1, grace_period=2))
    study = optuna.create_study(storage=storage)

    def objective(trial: optuna.Trial) -> float:
        time.sleep(3.5)  # past the grace period: only the thread's later beats keep it alive
        assert storage._get_stale_trial_ids(study._study_id) == []
        return 0.0

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == TrialState.COMPLETE


def _without_heartbeats(url: str, name: str) -> optuna.Study:
    """The study as a worker sees it whose storage has no heartbeats: its trials get no beat,
    so they are never stale (a live worker's, for the tests)."""
    return optuna.load_study(study_name=name, storage=open_storage(url))


# --- one budget for many workers ---------------------------------------------------------------


def test_a_trial_beyond_the_budget_is_not_admitted(tmp_path):
    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path}/b.db"))
    budget = Budget(trials=3)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    other = study.ask()  # another worker's trial, running: it holds the last place
    assert budget.turn(study) is Turn.WAIT and budget.admits(study, other.number)
    late = study.ask()  # two workers saw one free place: the later trial steps back
    assert not budget.admits(study, late.number)
    study.tell(other, state=TrialState.FAIL)  # the place is free again: the late one may run
    assert budget.admits(study, late.number)
    study.tell(late, 0.5)
    assert budget.turn(study) is Turn.DONE


def test_a_dead_workers_trial_keeps_its_place_for_its_rerun(tmp_path):
    beat = Heartbeat(interval=1, grace_period=2, max_retry=1)
    url = f"sqlite:///{tmp_path}/r.db"
    storage = open_storage(url, beat)
    study = optuna.create_study(storage=storage, study_name="r")
    budget = Budget(trials=3)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    _without_heartbeats(url, "r").ask()  # trial 1: a live worker's (no beat, never stale)
    dead = study.ask()  # trial 2: created with its first beat, then its worker died
    deadline = time.monotonic() + 30
    while not (stale := storage._get_stale_trial_ids(study._study_id)):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    # Optuna fails the dead trial, and queues its re-run only a moment later (as
    # optuna.storages.fail_stale_trials does): a trial started in between gets no place.
    [failed] = stale
    storage.set_trial_state_values(failed, TrialState.FAIL)
    fresh = study.ask()
    assert not budget.admits(study, fresh.number)
    storage.get_heartbeat_stale_trial_callback()(study, storage.get_trial(failed))
    rerun = study.trials[-1]
    assert rerun.state == TrialState.WAITING and rerun.params == dead.params
    # The re-run takes the dead trial's place, ahead of the later fresh trial.
    assert budget.turn(study) is Turn.START and budget.admits(study, rerun.number)
    assert [t.number for t in claims(study)] == [0, 1, rerun.number, fresh.number]


def test_a_trial_failed_by_its_own_process_frees_its_place(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/f.db", Heartbeat(interval=1, grace_period=2))
    study = optuna.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    failing = study.ask()
    failing.set_user_attr("fail_reason", "RuntimeError: boom")  # as nasrun's recorder does
    study.tell(failing, state=TrialState.FAIL)
    assert [t.number for t in claims(study)] == [0]


def test_a_worker_leaves_the_last_place_to_a_running_trial(tmp_path):
    """The search itself: a place held by another worker's running trial is never overshot."""
    overrides = ["study=b", "budget.trials=2", "heartbeat.interval=1", "heartbeat.grace_period=2"]
    experiment = make_experiment(tmp_path, *overrides)
    study = experiment.study
    _without_heartbeats(experiment.info["storage"], study.study_name).ask()  # a live worker's
    experiment.run()  # runs one trial, waits two grace periods for the other, leaves it
    assert [t.state for t in study.trials] == [TrialState.RUNNING, TrialState.COMPLETE]


def test_journal_url_and_plain_path_are_one_file_that_optuna_reads(tmp_path):
    # storage=journal:///abs/x.log (nasrun's URL) and storage=/abs/x.log (the plain path that
    # optuna-dashboard and the optuna CLI take) open the same journal.
    path = tmp_path / "runs" / "study.log"
    study = optuna.create_study(storage=open_storage(f"journal://{path}"), study_name="both")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    again = optuna.load_study(study_name="both", storage=open_storage(str(path)))
    plain = optuna.storages.journal.JournalFileBackend(str(path))  # as the dashboard opens it
    seen = optuna.load_study(study_name="both", storage=optuna.storages.JournalStorage(plain))
    assert len(again.trials) == len(seen.trials) == 2
    assert storage_url("runs/study.jsonl") == "journal://runs/study.jsonl"
    assert readable_storage(f"journal://{path}") == str(path)
    with pytest.raises(NasrunError, match="storage=sqlite:///x.db"):
        storage_url("x.db")
