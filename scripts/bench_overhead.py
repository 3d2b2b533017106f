"""nasrun's per-trial overhead against a plain Optuna loop, on NAS-Bench-201 table look-ups.

A look-up costs microseconds, so what a trial costs here is the runner itself: sampling,
storage round trips, recording, the budget's bookkeeping. Every loop uses the same sampler
(Optuna's RandomSampler, same seed), the same storage (a fresh SQLite file each, opened as
nasrun opens it: write-ahead log, heartbeats; or ``--storage memory``) and the same look-up
(:class:`nasrun.benchmarks.nb201.NB201Benchmark`):

- ``optuna, bare``: ``study.optimize`` of an objective that suggests NB201's six edges, looks
  the cell up and returns its 12-epoch validation accuracy;
- ``optuna, same record``: the same, and the objective also stores what a nasrun trial stores
  (architecture, accuracies, parameters, FLOPs, simulated cost, fidelity, worker) with
  ``trial.set_user_attr``, as a plain loop that keeps nasrun's results table would;
- ``nasrun``: ``Experiment.from_config(compose("experiment=nb201_cifar10", "search=random",
  ...)).run()``, the run the ``nasrun`` command makes, in this process (imports excluded).

The loops take turns in ``--rounds`` rounds (fresh studies each), so that a neighbour's load
falls on all of them alike; the overhead ratio is the median of the rounds' ratios.

``--sweep K`` also times the README's sweep as typed, ``nasrun -m experiment=nb201_cifar10
search=random,ea,rl seed='range(K)'`` (a subprocess) against ``scripts/reproduce_nb201.py`` on
the same runs with one process, per run: the difference between 2K and K seeds, so that
neither command's start-up counts.

    python scripts/bench_overhead.py --data-dir ../shared/data            # 1,000 trials
    python scripts/bench_overhead.py --data-dir ../shared/data --trials 50 --sweep 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=5, help="turns the loops take")
    parser.add_argument("--storage", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--data-dir", default=os.environ.get("NASRUN_DATA", "data"))
    parser.add_argument("--sweep", type=int, default=0, help="also time the README sweep, K seeds")
    return parser.parse_args(argv)


def storage_url(kind: str, folder: Path, name: str) -> str:
    return "memory" if kind == "memory" else f"sqlite:///{folder / name}.db"


def plain_optuna(args: argparse.Namespace, folder: Path, name: str, record: bool) -> float:
    """Seconds for ``trials`` trials of the plain loop (``record``: storing nasrun's record)."""
    import optuna

    from nasrun.benchmarks.nb201 import NB201Benchmark
    from nasrun.estimators.tabular import TabularEstimator
    from nasrun.spaces import NB201Space
    from nasrun.study import Heartbeat, open_storage

    space, bench = NB201Space(), NB201Benchmark(args.data_dir)
    costs = TabularEstimator(space, root=args.data_dir)  # parameters, FLOPs, simulated seconds
    url = storage_url(args.storage, folder, name)
    study = optuna.create_study(
        storage=None if url == "memory" else open_storage(url, Heartbeat()),
        sampler=optuna.samplers.RandomSampler(seed=args.seed),
        direction="maximize",
    )

    def objective(trial: optuna.Trial) -> float:
        arch = space.suggest(trial)
        found = bench.lookup(space.to_string(arch), "cifar10")
        if record:
            params, flops = costs.costs(arch)
            trial.set_user_attr("worker", "bench")
            trial.set_user_attr("arch", space.to_string(arch))
            trial.set_user_attr("valid_acc_12ep", found.valid_acc_12ep / 100)
            trial.set_user_attr("test_acc_12ep", found.test_acc_12ep / 100)
            trial.set_user_attr("benchmark_index", found.index)
            trial.set_user_attr("test_value", found.test_acc_200ep / 100)
            trial.set_user_attr("n_params", params)
            trial.set_user_attr("flops", flops)
            trial.set_user_attr("cost_s", costs.simulated_seconds(flops))
            trial.set_user_attr("fidelity", "nb201:cifar10,epochs=12")
        return found.valid_acc_12ep / 100

    start = time.perf_counter()
    study.optimize(objective, n_trials=args.trials)
    return time.perf_counter() - start


def nasrun_run(args: argparse.Namespace, folder: Path, name: str) -> tuple[float, float]:
    """Seconds to set the run up (composition, data, storage, study), and for its trials
    (``Experiment.run``: the search, then the tables written)."""
    from nasrun.config import compose
    from nasrun.experiment import Experiment

    start = time.perf_counter()
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=random",
        f"seed={args.seed}",
        "budget.cost_s=null",
        f"budget.trials={args.trials}",
        f"data_dir={args.data_dir}",
        f"output_root={folder}",
        f"storage={storage_url(args.storage, folder, name)}",
        "verbose=false",
    )
    experiment = Experiment.from_config(cfg, folder / name)
    ready = time.perf_counter()
    experiment.run()
    return ready - start, time.perf_counter() - ready


def sweep(seeds: int, data_dir: str, folder: Path) -> tuple[float, float, float]:
    """Wall seconds per run of the README sweep as typed, and of the script on the same runs
    (one process): each command runs with K and with 2K seeds, and a run costs the difference
    over the 3K runs it added, so that neither command's start-up (imports; the script's worker
    pool and report) is counted as part of its runs. Also the typed runs' mean number of trials."""
    env = {**os.environ, "NASRUN_DATA": data_dir}
    nasrun = str(Path(sys.executable).with_name("nasrun"))

    def typed(k: int, out: Path) -> list[str]:
        runs = ["experiment=nb201_cifar10", "search=random,ea,rl", f"seed=range({k})"]
        return [nasrun, "-m", *runs, f"output_root={out}"]

    def script(k: int, out: Path) -> list[str]:
        path = str(REPO / "scripts" / "reproduce_nb201.py")
        return [sys.executable, path, "--workers", "1", f"--seeds={k}", "--datasets=cifar10",
                f"--out={out}"]  # fmt: skip

    per_run = []
    for command in (typed, script):
        wall = {}
        for k in (seeds, 2 * seeds):
            out = folder / f"{command.__name__}{k}"
            start = time.perf_counter()
            subprocess.run(command(k, out), env=env, check=True, capture_output=True, cwd=folder)
            wall[k] = time.perf_counter() - start
        per_run.append((wall[2 * seeds] - wall[seeds]) / (3 * seeds))
    import optuna

    storage = f"sqlite:///{folder / f'typed{2 * seeds}' / 'nasrun.db'}"
    studies = optuna.get_all_study_summaries(storage, include_best_trial=False)
    return per_run[0], per_run[1], sum(s.n_trials for s in studies) / len(studies)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from nasrun.estimators.tabular import _cost_table

        _cost_table("cifar10")  # the per-process cost table, built once, out of the timing
        rounds = max(1, min(args.rounds, args.trials))
        per_round = argparse.Namespace(**{**vars(args), "trials": args.trials // rounds})
        seconds: dict[str, list[float]] = {"bare": [], "record": [], "nasrun": []}
        setup = 0.0
        for k in range(rounds):
            seconds["bare"].append(plain_optuna(per_round, folder, f"bare{k}", record=False))
            seconds["record"].append(plain_optuna(per_round, folder, f"record{k}", record=True))
            ready, ours = nasrun_run(per_round, folder, f"nasrun{k}")
            seconds["nasrun"].append(ours)
            setup += ready
        trials = per_round.trials * rounds
        print(f"{trials} NB201 look-up trials in {rounds} rounds, storage={args.storage}, random")
        print(f"{'loop':<24} {'trials s':>9} {'ms/trial':>9}")
        names = {"bare": "optuna, bare", "record": "optuna, same record", "nasrun": "nasrun run"}
        for key, name in names.items():
            total = sum(seconds[key])
            print(f"{name:<24} {total:9.2f} {1000 * total / trials:9.2f}")
        print(f"nasrun set-up (compose, storage, study): {setup / rounds:.2f} s per run")
        bare = statistics.median(
            n / b for n, b in zip(seconds["nasrun"], seconds["bare"], strict=True)
        )
        if args.sweep:
            typed, script, per_run = sweep(args.sweep, args.data_dir, folder)
            print(
                f"README sweep as typed: {typed:.2f} s/run; reproduce_nb201.py: {script:.2f} s/run"
            )
            print(f"sweep ratio (typed / script): {typed / script:.2f}")
            if args.storage == "sqlite":  # what the storage alone costs a typed run
                floor = per_run * sum(seconds["bare"]) / trials
                print(f"optuna, bare, {per_run:.0f} trials on SQLite: {floor:.2f} s/run")
                print(f"floor ratio (optuna, bare on SQLite / script): {floor / script:.2f}")
        print(f"overhead ratio (nasrun / optuna, bare): {bare:.2f}")
        ratios = zip(seconds["nasrun"], seconds["record"], strict=True)
        print(
            f"overhead ratio (nasrun / optuna, same record): {statistics.median(n / r for n, r in ratios):.2f}"
        )


if __name__ == "__main__":
    main()
