"""nasrun's per-trial overhead against a plain Optuna loop, on NAS-Bench-201 table look-ups.

A look-up costs microseconds, so what a trial costs here is the runner itself: sampling,
storage round trips, recording, the budget's bookkeeping. Both loops use the same sampler
(Optuna's RandomSampler, same seed), the same storage (a fresh SQLite file each, or
``--storage memory``) and the same look-up (:class:`nasrun.benchmarks.nb201.NB201Benchmark`):

- ``optuna``: ``study.optimize`` of an objective that suggests NB201's six edges, looks the
  cell up and returns its 12-epoch validation accuracy;
- ``nasrun``: ``Experiment.from_config(compose("experiment=nb201_cifar10", "search=random",
  ...)).run()``, the run the ``nasrun`` command makes, in this process (imports excluded).

``--sweep K`` also times the README's sweep as typed, ``nasrun -m experiment=nb201_cifar10
search=random,ea,rl seed='range(K)'`` (a subprocess; wall time per run) against
``scripts/reproduce_nb201.py`` on the same runs with one process.

    python scripts/bench_overhead.py --data-dir ../shared/data            # 1,000 trials
    python scripts/bench_overhead.py --data-dir ../shared/data --trials 50 --sweep 2
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--storage", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--data-dir", default=os.environ.get("NASRUN_DATA", "data"))
    parser.add_argument("--sweep", type=int, default=0, help="also time the README sweep, K seeds")
    return parser.parse_args(argv)


def storage_url(kind: str, folder: Path, name: str) -> str:
    return "memory" if kind == "memory" else f"sqlite:///{folder / name}.db"


def plain_optuna(args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    """Seconds to create the study, and for ``args.trials`` trials of the plain loop."""
    import optuna

    from nasrun.benchmarks.nb201 import NB201Benchmark
    from nasrun.spaces import NB201Space

    space, bench = NB201Space(), NB201Benchmark(args.data_dir)
    url = storage_url(args.storage, folder, "optuna")
    storage = None if url == "memory" else url
    start = time.perf_counter()
    study = optuna.create_study(
        storage=storage,
        sampler=optuna.samplers.RandomSampler(seed=args.seed),
        direction="maximize",
    )
    created = time.perf_counter()

    def objective(trial: optuna.Trial) -> float:
        arch = space.suggest(trial)
        return bench.lookup(space.to_string(arch), "cifar10").valid_acc_12ep / 100

    study.optimize(objective, n_trials=args.trials)
    return created - start, time.perf_counter() - created


def nasrun_run(args: argparse.Namespace, folder: Path) -> tuple[float, float]:
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
        f"storage={storage_url(args.storage, folder, 'nasrun')}",
        "verbose=false",
    )
    experiment = Experiment.from_config(cfg, folder / "run")
    ready = time.perf_counter()
    experiment.run()
    return ready - start, time.perf_counter() - ready


def sweep(seeds: int, data_dir: str, folder: Path) -> tuple[float, float]:
    """Wall seconds per run of the README sweep as typed, and of the script on the same runs."""
    env = {**os.environ, "NASRUN_DATA": data_dir}
    nasrun = Path(sys.executable).with_name("nasrun")
    typed = [str(nasrun), "-m", "experiment=nb201_cifar10", "search=random,ea,rl"]
    typed += [f"seed=range({seeds})", f"output_root={folder / 'sweep'}"]
    script = [sys.executable, str(REPO / "scripts" / "reproduce_nb201.py"), "--workers", "1"]
    script += [f"--seeds={seeds}", "--datasets=cifar10", f"--out={folder / 'script'}"]
    times = []
    for command in (typed, script):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=folder)
        times.append((time.perf_counter() - start) / (3 * seeds))
    return times[0], times[1]


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
        plain_setup, plain = plain_optuna(args, folder)
        setup, ours = nasrun_run(args, folder)
        print(f"{args.trials} NB201 look-up trials, storage={args.storage}, RandomSampler")
        print(f"{'loop':<20} {'set-up s':>9} {'trials s':>9} {'ms/trial':>9}")
        for name, ready, seconds in (
            ("plain optuna loop", plain_setup, plain),
            ("nasrun run", setup, ours),
        ):
            print(f"{name:<20} {ready:9.2f} {seconds:9.2f} {1000 * seconds / args.trials:9.2f}")
        if args.sweep:
            typed, script = sweep(args.sweep, args.data_dir, folder)
            print(
                f"README sweep as typed: {typed:.2f} s/run; reproduce_nb201.py: {script:.2f} s/run"
            )
            print(f"sweep ratio (typed / script): {typed / script:.2f}")
        print(f"overhead ratio (nasrun / optuna): {ours / plain:.2f}")


if __name__ == "__main__":
    main()
