"""NSGA-II against random search on NAS-Bench-201: accuracy and FLOPs as two objectives.

Runs ``nasrun space=nb201 estimator=tabular objective=multi objective.costs=[flops]`` with
``search=nsga2`` and ``search=random`` for every seed at the same budget of trials (in-process,
in-memory studies), then writes ``nasrun-report``'s hypervolume table (mean ± std over seeds,
the reference point of :mod:`nasrun.report.pareto`: accuracy 0, and the largest FLOPs of any
trial of the runs) and the fronts' figure under ``--out``.

    python scripts/hypervolume_nb201.py --data-dir ../shared/data --seeds 10 --trials 100
"""

from __future__ import annotations

import argparse
from pathlib import Path

import optuna
import torch

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.report.aggregate import load_summaries
from nasrun.report.pareto import hypervolume_table, write_pareto_report
from nasrun.report.plots import load_trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data", help="holds nb201/")
    parser.add_argument("--out", type=Path, default=Path("outputs/hypervolume_nb201"))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--dataset", default="cifar10", help="cifar10, cifar100, imagenet16-120")
    parser.add_argument("--searches", nargs="+", default=["nsga2", "random"])
    parser.add_argument("--cost", default="flops", help="the second objective: flops or params")
    parser.add_argument(
        "--nsga2",
        nargs="*",
        default=[],
        help="overrides for search=nsga2 only, e.g. search.sampler.population_size=10",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for search in args.searches:
        for seed in range(args.seeds):
            cfg = compose(
                "space=nb201",
                "estimator=tabular",
                f"estimator.dataset_name={args.dataset}",
                "objective=multi",
                f"objective.costs=[{args.cost}]",
                f"search={search}",
                f"seed={seed}",
                f"budget.trials={args.trials}",
                f"data_dir={args.data_dir}",
                "storage=memory",
                "verbose=false",
                *(args.nsga2 if search == "nsga2" else []),
            )
            Experiment.from_config(cfg, args.out / search / str(seed)).run()
    runs = load_summaries([args.out])
    written = write_pareto_report(runs, args.out)
    table = hypervolume_table(runs, load_trials(runs))
    print(table.to_string(index=False))
    print("wrote", ", ".join(map(str, written)))


if __name__ == "__main__":
    main()
