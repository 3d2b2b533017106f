"""Benchmark: weight inheritance against from-scratch training under regularised evolution.

Runs `search=ea` on digits per seed with `estimator=low_fidelity` (every child trained
`--epochs` from scratch) and with `estimator=weight_inheritance` (children start from their
parent's weights and train `--inherit-epochs`), and prints the best validation accuracy (the
search objective, over all trials), the mean training epochs per child (the trials after the
random initial population), the mean fraction of a child's parameters inherited, and the ratios.
Both arms run the same sampler, seeds and number of trials; only the estimator differs (the
architectures proposed diverge once the values that select parents differ).

    python scripts/bench_weight_inheritance.py --seeds 5 --trials 40 --epochs 3 --inherit-epochs 1
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


def run(estimator: str, seed: int, args: argparse.Namespace, workdir: Path) -> dict:
    overrides = [
        "search=ea",
        f"estimator={estimator}",
        f"estimator.epochs={args.epochs}",
        f"budget.trials={args.trials}",
        f"seed={seed}",
        "device=cpu",
        "verbose=false",
        f"storage=sqlite:///{workdir}/bench.db",
        f"study={estimator}-{seed}",
    ]
    if estimator == "weight_inheritance":
        overrides.append(f"estimator.inherit_epochs={args.inherit_epochs}")
    cfg = compose(*overrides)
    start = time.perf_counter()
    experiment = Experiment.from_config(cfg, workdir / f"{estimator}-{seed}")
    summary = experiment.run()
    trials = experiment.study.trials
    children = [t for t in trials if "parent" in t.user_attrs]
    return {
        "best": summary["best_value"],
        # Never used to select: a check that the best validation accuracy is not just luck.
        "best_test": experiment.study.best_trial.user_attrs["test_value"],
        "epochs": sum(t.user_attrs.get("epochs", 0) for t in trials),
        "child_epochs": statistics.mean(t.user_attrs["epochs"] for t in children),
        "inherited": statistics.mean(t.user_attrs.get("inherited_fraction", 0.0) for t in children),
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--inherit-epochs", type=int, default=1)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            scratch = run("low_fidelity", seed, args, Path(tmp))
            inherit = run("weight_inheritance", seed, args, Path(tmp))
            rows.append((scratch, inherit))
            print(
                f"seed {seed}: best valid acc {scratch['best']:.4f} (scratch) vs {inherit['best']:.4f} "
                f"(inherit); its test acc {scratch['best_test']:.4f} vs {inherit['best_test']:.4f}; "
                f"training epochs {scratch['epochs']} vs {inherit['epochs']}; epochs per child {scratch['child_epochs']:.2f} vs {inherit['child_epochs']:.2f}; "
                f"inherited fraction {inherit['inherited']:.2f}; seconds {scratch['seconds']:.0f} vs "
                f"{inherit['seconds']:.0f}",
                flush=True,
            )
    mean = lambda key, i: statistics.mean(r[i][key] for r in rows)  # noqa: E731
    print(f"\nmean over {args.seeds} seeds ({args.trials} trials):")
    print(f"  best valid acc: scratch {mean('best', 0):.4f}, inherit {mean('best', 1):.4f}")
    print(f"  its test acc: scratch {mean('best_test', 0):.4f}, inherit {mean('best_test', 1):.4f}")
    print(
        f"  training epochs: scratch {mean('epochs', 0):.1f}, inherit {mean('epochs', 1):.1f} "
        f"(ratio {mean('epochs', 1) / mean('epochs', 0):.2f})"
    )
    print(
        f"  epochs per child: scratch {mean('child_epochs', 0):.2f}, inherit {mean('child_epochs', 1):.2f} "
        f"(ratio {mean('child_epochs', 1) / mean('child_epochs', 0):.2f})"
    )
    print(f"  wall-clock ratio inherit/scratch: {mean('seconds', 1) / mean('seconds', 0):.2f}")


if __name__ == "__main__":
    main()
