"""Benchmark: FABOLAS on data subsets against TPE on full data, by total training cost.

Per seed, `search=tpe` tunes the training hyperparameters (`hpo=default`, epochs fixed) of one
small CNN on digits with every trial on the full training split, for `--trials` trials. Then
`search=fabolas` runs on the same problem with `estimator.data_fraction=[--low, 1]` under a
budget of `--ratio` times TPE's summed `cost_s`. Compared: TPE's best validation accuracy and
FABOLAS' best validation accuracy among its full-data (s = 1) trials, and the costs spent.

    python scripts/bench_fabolas.py --seeds 10 --trials 20 --ratio 0.5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import optuna
import torch

from nasrun.config import compose
from nasrun.experiment import Experiment

#: A fixed small CNN (the chain space with one choice per decision): the search is HPO only.
PROBLEM = [
    "dataset=digits",
    "space=chain",
    "space.num_layers=2",
    "space.filter_sizes=[3]",
    "space.num_filters=[16]",
    "hpo=default",
    "hpo.epochs=null",
    "estimator=low_fidelity",
    "estimator.epochs=3",
    "device=cpu",
    "threads=1",
    "verbose=false",
]


def run(search: str, seed: int, workdir: Path, *overrides: str) -> optuna.Study:
    cfg = compose(
        *PROBLEM,
        f"search={search}",
        f"seed={seed}",
        f"storage=sqlite:///{workdir}/bench.db",
        f"study={search}-{seed}",
        *overrides,
    )
    experiment = Experiment.from_config(cfg, workdir / f"{search}-{seed}")
    experiment.run()
    return experiment.study


def _complete(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def _cost(study: optuna.Study) -> float:
    return sum(t.user_attrs.get("cost_s") or 0.0 for t in _complete(study))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=20, help="TPE's trials per seed")
    parser.add_argument("--ratio", type=float, default=0.5, help="FABOLAS' budget / TPE's cost")
    parser.add_argument("--low", type=float, default=1 / 8, help="smallest data fraction")
    args = parser.parse_args()
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # A first trial in a fresh process pays one-off set-up costs: paid here, by neither side.
        run("random", 10_000, Path(tmp), "budget.trials=2")
        for seed in range(args.seeds):
            start = time.perf_counter()
            tpe = run("tpe", seed, Path(tmp), f"budget.trials={args.trials}")
            tpe_best, tpe_cost = max(t.value for t in _complete(tpe)), _cost(tpe)
            fabolas = run(
                "fabolas",
                seed,
                Path(tmp),
                f"estimator.data_fraction=[{args.low},1.0]",
                "budget.trials=1000",
                f"budget.cost_s={args.ratio * tpe_cost}",
                # A cheaper knowledge-gradient optimisation than the YAML's: 2 shared cores.
                "search.sampler.num_fantasies=8",
                "search.sampler.raw_samples=32",
                "search.sampler.num_restarts=2",
            )
            full = [t.value for t in _complete(fabolas) if t.params["data_fraction"] == 1.0]
            row = {
                "tpe_best": tpe_best,
                "tpe_cost": tpe_cost,
                "fab_best": max(full, default=float("nan")),
                "fab_cost": _cost(fabolas),
                "fab_trials": len(_complete(fabolas)),
                "fab_full": len(full),
            }
            rows.append(row)
            print(
                f"seed {seed}: tpe best {row['tpe_best']:.4f} at cost {row['tpe_cost']:.1f}s | "
                f"fabolas best@s=1 {row['fab_best']:.4f} at cost {row['fab_cost']:.1f}s "
                f"({row['fab_cost'] / row['tpe_cost']:.0%}; {row['fab_trials']} trials, "
                f"{row['fab_full']} on full data) [{time.perf_counter() - start:.0f}s wall]",
                flush=True,
            )
    reached = sum(r["fab_best"] >= r["tpe_best"] for r in rows)
    print(f"\n{args.seeds} seeds, tpe {args.trials} full-data trials each:")
    print(f"  tpe mean best valid acc     {statistics.mean(r['tpe_best'] for r in rows):.4f}")
    print(f"  fabolas mean best@s=1       {statistics.mean(r['fab_best'] for r in rows):.4f}")
    print(
        f"  fabolas cost / tpe cost     {sum(r['fab_cost'] for r in rows) / sum(r['tpe_cost'] for r in rows):.2f}"
    )
    print(f"  seeds where fabolas >= tpe  {reached}/{args.seeds}")


if __name__ == "__main__":
    main()
