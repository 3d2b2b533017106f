"""Benchmark: learning-curve extrapolation against full training in the same random search.

Runs `search=random` on digits twice per seed, once with `estimator=low_fidelity` (every
candidate trained the full `--epochs`) and once with `estimator=curve_extrapolation` (same
epochs, hopeless candidates stopped early), and prints the training epochs spent and the best
final validation accuracy of both, with their ratio. Random search proposes the same
architectures in both runs (its draws do not depend on results), so the comparison is paired.

    python scripts/bench_curve_extrapolation.py --seeds 3 --trials 30 --epochs 12
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import optuna

from nasrun.config import compose
from nasrun.experiment import Experiment


def run(estimator: str, seed: int, trials: int, epochs: int, workdir: Path) -> dict:
    overrides = [
        f"estimator={estimator}",
        f"estimator.epochs={epochs}",
        f"budget.trials={trials}",
        f"seed={seed}",
        "device=cpu",
        "verbose=false",
        f"storage=sqlite:///{workdir}/bench.db",
        f"study={estimator}-{seed}",
    ]
    cfg = compose(*overrides)
    start = time.perf_counter()
    experiment = Experiment.from_config(cfg, workdir / f"{estimator}-{seed}")
    summary = experiment.run()
    trials_run = experiment.study.get_trials(deepcopy=False)
    return {
        "epochs": sum(max(t.intermediate_values, default=0) for t in trials_run),
        "best": summary["best_value"],
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            full = run("low_fidelity", seed, args.trials, args.epochs, Path(tmp))
            curve = run("curve_extrapolation", seed, args.trials, args.epochs, Path(tmp))
            rows.append((seed, full, curve))
            print(
                f"seed {seed}: epochs {full['epochs']} -> {curve['epochs']} "
                f"({1 - curve['epochs'] / full['epochs']:.0%} saved), best valid acc "
                f"{full['best']:.4f} -> {curve['best']:.4f}, seconds {full['seconds']:.0f} -> {curve['seconds']:.0f}",
                flush=True,
            )
    saved = [1 - c["epochs"] / f["epochs"] for _, f, c in rows]
    drop = [100 * (f["best"] - c["best"]) for _, f, c in rows]
    time_ratio = sum(c["seconds"] for *_, c in rows) / sum(f["seconds"] for _, f, _ in rows)
    print(f"\nmean over {args.seeds} seeds ({args.trials} trials, {args.epochs} epochs each):")
    print(
        f"  epochs saved: {statistics.mean(saved):.1%} (per seed {', '.join(f'{s:.0%}' for s in saved)})"
    )
    print(
        f"  best final valid accuracy drop: {statistics.mean(drop):.2f} points (per seed {', '.join(f'{d:.2f}' for d in drop)})"
    )
    print(f"  wall-clock ratio curve/full: {time_ratio:.2f}")


if __name__ == "__main__":
    main()
