"""Reads the best algorithm a run printed (best_algorithm.txt) back through the parser and
scores it again on the run's final (unseen) and search tasks, next to what the run recorded.

    python scripts/automl_zero_reevaluate.py outputs/2026-11-30/04-00-00
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import torch
from omegaconf import OmegaConf

from nasrun.automl_zero import parse_algorithm
from nasrun.config import instantiate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    run_dir = parser.parse_args().run_dir
    torch.set_num_threads(1)
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    space = instantiate(cfg.space, "space")
    estimator = instantiate(cfg.estimator, "estimator", space=space, seed=int(cfg.seed))
    text = (run_dir / "best_algorithm.txt").read_text()
    algorithm = space.validate(parse_algorithm(text))
    summary = json.loads((run_dir / "summary.json").read_text())
    trials = pd.read_csv(run_dir / "trials.csv")
    best = trials[trials["number"] == summary["best_trial"]].iloc[0]
    estimator.start_experiment(int(best.get("experiment", 0)))  # its search tasks
    print(text)
    for which in ("final", "search"):
        (fitness,) = estimator.evaluator.fitness([algorithm], estimator.tasks(which))
        print(f"{which} tasks: re-evaluated fitness {fitness!r}")
    print(
        f"recorded: final fitness {summary.get('best_test_value')!r}, "
        f"search fitness {summary.get('best_value')!r} (FEC may lend an equal program's)"
    )


if __name__ == "__main__":
    main()
