"""JASQ on digits: architecture and per-layer bits searched against model size (NSGA-II).

The search's first trial is a fixed chain network at full precision (every layer w32a32): the
fp32 reference. After ``--trials`` trials of ``nasrun hpo=quant objective=multi
objective.costs=[size_bytes] search=nsga2``, it prints the Pareto set and whether it holds a
network at least ``--factor`` times smaller in bytes than the reference within ``--points``
accuracy points of it (validation accuracy, the search's objective; test accuracy beside it).

    python scripts/jasq_digits.py --trials 40 --epochs 5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import optuna
import pandas as pd
import torch

from nasrun.config import compose
from nasrun.experiment import Experiment

REFERENCE = "conv3x3-48/1|conv3x3-48/1|conv3x3-64/1|conv3x3-64/1<0,1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/jasq_digits"))
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--factor", type=float, default=4.0)
    parser.add_argument("--points", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    layers = 6
    reference = REFERENCE + "#" + ",".join(["w32a32"] * layers)
    cfg = compose(
        "hpo=quant",
        f"hpo.layers={layers}",
        "objective=multi",
        "objective.costs=[size_bytes]",
        "search=nsga2",
        f"estimator.epochs={args.epochs}",
        f"budget.trials={args.trials}",
        f"seed={args.seed}",
        f"arch='{reference}'",
        "device=cpu",
        "storage=memory",
        "verbose=false",
        f"output_root={args.out}",
    )
    summary = Experiment.from_config(cfg, args.out / "run").run()
    trials = pd.read_csv(args.out / "run" / "trials.csv")
    fp32 = trials[trials["arch"] == reference].iloc[0]
    front = pd.DataFrame(summary["pareto"]).merge(
        trials[["number", "test_value"]], left_on="trial", right_on="number"
    )
    front["times_smaller"] = fp32["size_bytes"] / front["size_bytes"]
    front["points_below_fp32"] = 100 * (fp32["valid_acc"] - front["valid_acc"])
    print(f"fp32 reference: {fp32['size_bytes']:.0f} bytes, valid_acc {fp32['valid_acc']:.4f}")
    print(
        front[
            [
                "trial",
                "arch",
                "valid_acc",
                "test_value",
                "size_bytes",
                "times_smaller",
                "points_below_fp32",
            ]
        ].to_string(index=False)
    )
    hits = front[
        (front["times_smaller"] >= args.factor) & (front["points_below_fp32"] <= args.points)
    ]
    verdict = {"hits": hits["trial"].tolist(), "fp32_bytes": float(fp32["size_bytes"])}
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
