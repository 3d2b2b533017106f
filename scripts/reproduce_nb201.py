"""Reproduce NAS-Bench-201's search results (Dong & Yang, ICLR 2020, Table 5) with nasrun.

Every run is the experiment that

    nasrun experiment=nb201_<dataset> search=<search> seed=<k> storage=memory

runs, but in-process: the config is composed once per (dataset, search) with Hydra's compose
API (no Hydra start-up per run) and the runs are spread over the CPU cores. Each run writes the
results contract into <out>/<dataset>/<search>/seed=<k>/. Then nasrun's report code writes the
aggregate table (report.csv/.md, mean ± std over seeds), the paper's numbers beside it
(compare_nb201.csv/.md) and one best-so-far plot per dataset (<figures>/<out name>_<dataset>.png).

    # Table 5's protocol: 12,000 simulated seconds per search, test accuracy of the pick
    python scripts/reproduce_nb201.py --data-dir /path/to/data
    # a fixed budget of 100 evaluations, best 12-epoch validation accuracy
    python scripts/reproduce_nb201.py --data-dir /path/to/data --budget-evals 100 \\
        --seeds 50 --datasets cifar10 --searches random,ea,rl,tpe

Extra arguments are Hydra overrides for every run (e.g. search.sampler.lr=0.01).
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: NB201's dataset names -> the experiment config that sets each one up.
EXPERIMENTS = {
    "cifar10": "nb201_cifar10",
    "cifar100": "nb201_cifar100",
    "imagenet16-120": "nb201_imagenet16",
}


@dataclass(frozen=True)
class Job:
    dataset: str
    search: str
    seed: int
    overrides: tuple[str, ...]  # the same for every seed, so a worker composes them once
    run_dir: Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds per set-up")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds start here")
    parser.add_argument("--datasets", default=",".join(EXPERIMENTS), help="comma-separated")
    parser.add_argument("--searches", default="random,ea,rl", help="comma-separated search=")
    parser.add_argument(
        "--budget-evals",
        type=int,
        help="stop each search after this many evaluations instead of 12,000 simulated seconds",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("NASRUN_DATA", "data"),
        help="holds nb201/ (default: $NASRUN_DATA, else ./data)",
    )
    parser.add_argument("--out", type=Path, help="default outputs/nb201_reproduction[_evalsN]")
    parser.add_argument("--figures", type=Path, help="where the PNGs go (default: --out)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every run")
    args = parser.parse_args(argv)
    args.datasets = args.datasets.split(",")
    args.searches = args.searches.split(",")
    unknown = sorted(set(args.datasets) - set(EXPERIMENTS))
    if unknown:
        parser.error(f"unknown dataset {unknown[0]!r}; choose from {', '.join(EXPERIMENTS)}")
    if (
        args.seeds < 1
        or args.workers < 1
        or (args.budget_evals is not None and args.budget_evals < 1)
    ):
        parser.error("--seeds, --workers and --budget-evals must be positive")
    suffix = f"_evals{args.budget_evals}" if args.budget_evals else ""
    args.out = args.out or Path("outputs") / f"nb201_reproduction{suffix}"
    args.figures = args.figures or args.out
    return args


def make_jobs(args: argparse.Namespace) -> list[Job]:
    budget = (
        ["budget.cost_s=null", f"budget.trials={args.budget_evals}"] if args.budget_evals else []
    )
    data_dir = Path(args.data_dir).expanduser().resolve()
    jobs = []
    # Seeds outermost, so that the slow searches (rl) are spread over the whole run.
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for dataset in args.datasets:
            for search in args.searches:
                overrides = (
                    f"experiment={EXPERIMENTS[dataset]}",
                    f"search={search}",
                    f"data_dir={data_dir}",
                    "storage=memory",  # one process, one study: no database round trips
                    "verbose=false",
                    *budget,
                    *args.overrides,
                )
                run_dir = args.out / dataset / search / f"seed={seed}"
                jobs.append(Job(dataset, search, seed, overrides, run_dir))
    return jobs


# -- in the worker processes ------------------------------------------------------------------


def _init_worker() -> None:
    import optuna
    import torch

    torch.set_num_threads(1)  # one process per core
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


@functools.cache
def _compose(overrides: tuple[str, ...]):
    from nasrun.config import compose

    return compose(*overrides)


def run_job(job: Job) -> tuple[Path, float]:
    """One run, as the CLI would do it; returns its summary.json and its seconds."""
    from omegaconf import OmegaConf

    from nasrun.experiment import Experiment

    start = time.perf_counter()
    cfg = _compose(job.overrides)
    cfg.seed = job.seed
    OmegaConf.save(cfg, _mkdir(job.run_dir / ".hydra") / "config.yaml")  # as Hydra writes it
    Experiment.from_config(cfg, job.run_dir, {"search": job.search}).run()
    return job.run_dir / "summary.json", time.perf_counter() - start


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- in the main process ----------------------------------------------------------------------


def run_all(jobs: list[Job], workers: int) -> tuple[list[Path], dict[str, float]]:
    """Runs every job on ``workers`` processes; returns the summaries and seconds per search."""
    summaries, seconds = [], dict.fromkeys(sorted({j.search for j in jobs}), 0.0)
    start, step = time.perf_counter(), max(1, len(jobs) // 10)
    # spawn, not fork: a fork of a process with live torch/OpenMP thread pools can hang.
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
        done = pool.imap(run_job, jobs, chunksize=4)
        for i, (job, (summary, spent)) in enumerate(zip(jobs, done, strict=True), start=1):
            summaries.append(summary)
            seconds[job.search] += spent
            if i % step == 0 or i == len(jobs):
                print(f"  {i}/{len(jobs)} runs, {time.perf_counter() - start:.0f} s", flush=True)
    return summaries, seconds


def write_report(summaries: list[Path], args: argparse.Namespace) -> str:
    """The aggregate table, the paper comparison and the plots; returns the Markdown tables."""
    from nasrun.report.aggregate import aggregate, load_summaries, markdown
    from nasrun.report.plots import best_so_far, load_trials, plot_best_so_far
    from nasrun.report.published import write_comparison

    runs = load_summaries(summaries)
    table = aggregate(runs)
    order = {name: i for i, name in enumerate(args.datasets + args.searches)}
    table = table.sort_values(["dataset", "search"], key=lambda c: c.map(order), ignore_index=True)
    table.to_csv(args.out / "report.csv", index=False)
    (args.out / "report.md").write_text(markdown(table))
    headline = markdown(_headline(table))
    text, _ = write_comparison(table, args.out, "nb201")

    trials = load_trials(runs)
    # The time budget is the paper's protocol: its test accuracy against simulated seconds.
    # A budget of evaluations is about the objective: best validation accuracy per evaluation.
    x, y = ("evaluations", "value") if args.budget_evals else ("cost_s", "test_value")
    what = (
        "best 12-epoch validation accuracy"
        if y == "value"
        else "200-epoch test accuracy of the incumbent"
    )
    args.figures.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets:
        mine = trials[trials["dataset"] == dataset]
        plot_best_so_far(
            mine,
            args.figures / f"{args.out.name}_{dataset}.png",
            x=x,
            y=y,
            title=f"NAS-Bench-201 {dataset}: {what}",
            ylim=_zoom(best_so_far(mine, x, y)),
        )
    return f"{headline}\n{text}"


def _zoom(curves: pd.DataFrame) -> tuple[float, float]:
    """Where the runs end up, with a margin: the first evaluations would squash the curves."""
    final = curves.groupby("run")["best"].last()
    low, high = final.quantile(0.02), final.max()
    return low - 0.25 * (high - low), high + 0.1 * (high - low)


def _headline(table: pd.DataFrame) -> pd.DataFrame:
    """What a search found, in the paper's units: accuracies in percent."""
    columns = {
        "best_value": "best valid acc 12ep (%)",
        "best_test_value": "test acc 200ep of that arch (%)",
        "n_complete": "evaluations",
        "total_cost_s": "simulated s",
    }
    view = table[["dataset", "search", "seeds"]].copy()
    for measure, name in columns.items():
        scale = 100.0 if "acc" in name else 1.0
        for stat in ("mean", "std"):
            view[f"{name}_{stat}"] = table[f"{measure}_{stat}"] * scale
    return view


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from nasrun.benchmarks.nb201 import NB201Benchmark
    from nasrun.cli.errors import fail, group_choices
    from nasrun.config import CONFIG_DIR
    from nasrun.errors import NasrunError

    searches = group_choices(CONFIG_DIR)["search"]
    for search in args.searches:
        if search not in searches:
            fail(f"unknown search {search!r}; choose one of: {', '.join(searches)}")
    try:
        NB201Benchmark(args.data_dir)  # a missing table fails here, in one line
        jobs = make_jobs(args)
        print(
            f"{len(jobs)} runs: {args.seeds} seeds x {', '.join(args.datasets)} x "
            f"{', '.join(args.searches)} on {args.workers} processes -> {args.out}",
            flush=True,
        )
        start = time.perf_counter()
        summaries, seconds = run_all(jobs, args.workers)
        ran = time.perf_counter() - start
        text = write_report(summaries, args)
    except NasrunError as error:
        fail(str(error))
    total = time.perf_counter() - start
    print(f"\n{text}")
    per_search = ", ".join(f"{s} {v:.0f} s" for s, v in seconds.items())
    print(
        f"wall time: {total:.0f} s ({ran:.0f} s of runs on {args.workers} processes, then the report)"
    )
    print(f"run time summed over processes: {per_search}")
    print(f"wrote {args.out}/report.md, compare_nb201.md and {args.figures}/{args.out.name}_*.png")


if __name__ == "__main__":
    main()
