"""Chaos test: workers on one study, SIGKILLed at random moments, restarted; nothing may be lost.

    python scripts/chaos.py                       # 4 workers, 10 kills, SQLite in a temp folder
    python scripts/chaos.py --kills 3 --trials 16 # the small version the test suite runs
    python scripts/chaos.py --storage postgresql://user@host/db

Each worker is a real ``nasrun`` process (the cluster idiom ``worker=K``) training tiny digits
networks (a trial lasts ~0.5-2 s, long enough to die in). The killer picks a random worker that
is running a trial, waits a random moment, SIGKILLs it (no handler runs: a dead node) and
starts it again. At the end it checks the study: exactly the budgeted finished trials, no
COMPLETE trial lost (every one ever seen is still there), none left RUNNING after a final
sweep of stale trials, every killed trial FAIL and its parameters re-run. It prints one line
and exits non-zero on any loss.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import optuna
from optuna.trial import TrialState

from nasrun.study import Heartbeat, open_storage

BIN = Path(sys.executable).parent
TINY = [
    "space.num_layers=2",
    "space.num_filters=[8,12]",
    "space.filter_sizes=[1,3]",
    "estimator.epochs=1",
    "trainer.batch_size=128",
    "device=cpu",
    "threads=1",  # N processes on one machine: one torch thread each, or they fight for cores
]
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    rng = random.Random(args.seed)
    folder = Path(args.folder or tempfile.mkdtemp(prefix="nasrun-chaos-"))
    storage = args.storage or f"sqlite:///{folder}/chaos.db"
    beat = Heartbeat(args.interval, args.grace, args.max_retry).check()
    overrides = [
        *TINY,
        f"storage={storage}",
        f"study={args.study}",
        f"budget.trials={args.trials}",
        f"heartbeat.interval={beat.interval}",
        f"heartbeat.grace_period={beat.grace_period}",
        f"heartbeat.max_retry={beat.max_retry}",
        "verbose=false",
    ]
    starts = [0] * args.workers

    def start(k: int) -> subprocess.Popen:
        starts[k] += 1
        run_dir = folder / f"w{k}-{starts[k]}"
        return subprocess.Popen(
            [str(BIN / "nasrun"), *overrides, f"worker={k}", f"hydra.run.dir={run_dir}"],
            env={**os.environ, "OMP_NUM_THREADS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    workers = [start(k) for k in range(args.workers)]
    study = _load(storage, args.study, beat)
    seen_complete: set[int] = set()
    killed: set[int] = set()  # trial numbers running in a worker when it was killed
    kills = 0
    began = time.monotonic()
    while kills < args.kills and any(w.poll() is None for w in workers):
        time.sleep(rng.uniform(0.2, 1.5))  # a random moment
        trials = study.get_trials(deepcopy=False)
        seen_complete |= {t.number for t in trials if t.state == TrialState.COMPLETE}
        running = {
            t.user_attrs.get("worker"): t.number for t in trials if t.state == TrialState.RUNNING
        }
        victims = [k for k, w in enumerate(workers) if w.poll() is None and _tag(w) in running]
        if not victims:
            continue
        k = rng.choice(victims)
        workers[k].kill()  # SIGKILL: no handler, no tables, the trial left RUNNING
        workers[k].wait()
        number = running[_tag(workers[k])]
        workers[k] = start(k)
        # The trial may have finished between the look and the kill: then no trial was hit,
        # and the kill does not count.
        if study.get_trials(deepcopy=False)[number].state == TrialState.RUNNING:
            killed.add(number)
            kills += 1
    for worker in workers:
        worker.wait(timeout=args.timeout)
    # The final sweep: any trial still RUNNING after its grace period belongs to a dead worker.
    time.sleep(beat.grace_period + beat.interval)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    figures = _figures(study, seen_complete, killed, args.trials, beat.max_retry)
    figures["kills"], figures["seconds"] = kills, round(time.monotonic() - began, 1)
    print(" ".join(f"{key}={value}" for key, value in figures.items()))
    bad = ("lost", "stuck", "duplicated", "not_failed", "not_rerun")
    ok = figures["finished"] == args.trials and not any(figures[key] for key in bad)
    return 0 if ok and kills >= args.kills else 1


def _figures(
    study: optuna.Study, seen: set[int], killed: set[int], budget: int, max_retry: int
) -> dict:
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    retries: dict[int, list[optuna.trial.FrozenTrial]] = {}
    for t in trials.values():
        if (origin := t.system_attrs.get("failed_trial")) is not None:
            retries.setdefault(origin, []).append(t)

    def rerun(number: int) -> bool:  # a later retry of the same parameters finished
        origin = trials[number].system_attrs.get("failed_trial", number)
        return any(r.number > number and r.state in FINISHED for r in retries.get(origin, ()))

    def exhausted(number: int) -> bool:  # its chain died max_retry + 1 times: no re-run, by design
        origin = trials[number].system_attrs.get("failed_trial", number)
        chain = [trials[origin], *retries.get(origin, ())]
        return any(
            t.state == TrialState.FAIL and len(t.system_attrs.get("retry_history", [])) >= max_retry
            for t in chain
        )

    return {
        "trials": len(trials),
        "finished": sum(t.state in FINISHED for t in trials.values()),
        "budget": budget,
        "killed_trials": len(killed),
        "lost": len(seen - {n for n, t in trials.items() if t.state == TrialState.COMPLETE}),
        "stuck": sum(t.state == TrialState.RUNNING for t in trials.values()),
        # a killed trial's parameters run to the end more than once
        "duplicated": sum(sum(r.state in FINISHED for r in rs) > 1 for rs in retries.values()),
        "not_failed": sum(trials[n].state != TrialState.FAIL for n in killed),
        "retries_exhausted": sum(exhausted(n) for n in killed),
        "not_rerun": sum(not rerun(n) and not exhausted(n) for n in killed),
    }


def _tag(worker: subprocess.Popen) -> str:
    """The ``worker`` attribute the recorder writes on the trials of this process."""
    return f"{socket.gethostname()}:{worker.pid}"


def _load(storage: str, name: str, beat: Heartbeat, wait_s: float = 120) -> optuna.Study:
    """The study, once the first worker has created it."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return optuna.load_study(study_name=name, storage=open_storage(storage, beat))
        except KeyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--storage", help="a storage URL (default: SQLite in --folder)")
    parser.add_argument("--folder", help="where the workers' run folders go (default: temp)")
    parser.add_argument("--study", default="chaos")
    parser.add_argument("--interval", type=int, default=1, help="heartbeat interval, s")
    parser.add_argument("--grace", type=int, default=3, help="heartbeat grace period, s")
    parser.add_argument(
        "--max-retry", type=int, default=3, help="re-runs of one trial (a retry can die too)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600)
    return parser


if __name__ == "__main__":
    sys.exit(main())
