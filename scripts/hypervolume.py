"""NSGA-II against random search: the hypervolume of accuracy against a cost, over seeds.

Runs ``nasrun objective=multi objective.costs=[<cost>]`` with ``search=nsga2`` and
``search=random`` (the shipped configs) for every seed at the same budget of trials (in-process,
in-memory studies), then writes ``nasrun-report``'s hypervolume table (mean ± std over seeds,
the reference point of :mod:`nasrun.report.pareto`: accuracy 0 and the largest cost of any trial
of the runs), the seeds on which NSGA-II's hypervolume is the larger, and the fronts' figure
under ``--out``. Two set-ups:

- ``--space nb201``: NAS-Bench-201's table (``estimator=tabular``), accuracy and FLOPs;
- ``--space mobilenet``: the MobileNet space on digits (8x8), trained 3 epochs per trial, at
  tiny widths (:data:`MOBILENET_TINY`), accuracy and the latency table's predicted latency.

    python scripts/hypervolume.py --space nb201 --data-dir ../shared/data --seeds 10 --trials 100
    python scripts/hypervolume.py --space mobilenet --seeds 10 --trials 25 --cost latency_ms
"""

from __future__ import annotations

import argparse
from pathlib import Path

import optuna
import pandas as pd
import torch

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.report.aggregate import load_summaries
from nasrun.report.pareto import (
    cost_scale,
    hypervolume,
    multi_objective_runs,
    write_pareto_report,
)
from nasrun.report.plots import load_trials

#: The MobileNet space small enough for digits on one CPU thread (~1 s per trial): four stages
#: of at most two blocks (3/5/7 x 1/3/6 x SE, or zero), 8-32 channels, 3 epochs.
MOBILENET_TINY = [
    "space=mobilenet",
    "space.stage_channels=[8,16,24,32]",
    "space.stage_layers=[2,2,2,2]",
    "space.stage_strides=[1,2,2,1]",
    "space.stem_channels=8",
    "space.first_block_channels=8",
    "space.head_channels=64",
    "space.width_multiplier=1.0",
    "estimator.epochs=3",
    "device=cpu",
    "threads=1",
]
SPACES = {"nb201": ["space=nb201", "estimator=tabular"], "mobilenet": MOBILENET_TINY}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=sorted(SPACES), default="nb201")
    parser.add_argument("--data-dir", default="../shared/data", help="holds nb201/")
    parser.add_argument("--out", type=Path, help="default: outputs/hypervolume_<space>")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--searches", nargs="+", default=["nsga2", "random"])
    parser.add_argument("--cost", default="flops", help="flops, params, latency_ms, size_bytes")
    parser.add_argument("overrides", nargs="*", help="more nasrun overrides, for every run")
    args = parser.parse_args()
    out = args.out or Path(f"outputs/hypervolume_{args.space}")
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for search in args.searches:
        for seed in seeds:
            run_dir = out / search / str(seed)
            if (run_dir / "summary.json").exists():  # a re-run tops up
                continue
            cfg = compose(
                *SPACES[args.space],
                "objective=multi",
                f"objective.costs=[{args.cost}]",
                f"search={search}",
                f"seed={seed}",
                f"budget.trials={args.trials}",
                f"data_dir={args.data_dir}",
                f"output_root={out}",  # one latency table for every run
                "storage=memory",
                "verbose=false",
                *args.overrides,
            )
            Experiment.from_config(cfg, run_dir).run()
    runs = load_summaries([out])
    written = write_pareto_report(runs, out)
    print((out / "hypervolume.md").read_text())
    print(seeds_ahead(runs, load_trials(runs), args.searches))
    print("wrote", ", ".join(map(str, written)))


def seeds_ahead(runs: pd.DataFrame, trials: pd.DataFrame, searches: list[str]) -> str:
    """Per seed, each search's hypervolume (the report's reference point), and on how many
    seeds the first search's is the larger."""
    runs = multi_objective_runs(runs)
    objectives = runs["objective_list"].iloc[0]
    scale = cost_scale(trials, objectives, {})
    volumes = pd.DataFrame(
        {
            "search": runs["search"],
            "seed": runs["seed"],
            "hypervolume": [
                hypervolume(trials[trials["run"] == p], objectives, scale) for p in runs["run_path"]
            ],
        }
    ).pivot(index="seed", columns="search", values="hypervolume")[searches]
    first, *others = searches
    text = volumes.round(4).to_string()
    for other in others:
        ahead = int((volumes[first] > volumes[other]).sum())
        text += f"\n{first} ahead of {other} on {ahead}/{len(volumes)} seeds"
    return text


if __name__ == "__main__":
    main()
