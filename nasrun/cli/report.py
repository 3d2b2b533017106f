"""``nasrun-report DIR...``: aggregate run and multirun directories into one table."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from nasrun.cli.errors import fail
from nasrun.errors import NasrunError
from nasrun.report.aggregate import aggregate, load_summaries, markdown
from nasrun.report.pareto import write_pareto_report
from nasrun.report.plots import load_trials, plot_best_so_far, plot_pareto
from nasrun.report.published import PUBLISHED, write_comparison


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="nasrun-report",
        description="Mean ± std over seeds of nasrun runs, grouped by search, space, estimator and dataset.",
    )
    parser.add_argument(
        "dirs", nargs="+", help="run or multirun directories (searched recursively)"
    )
    parser.add_argument(
        "--out", type=Path, help="where to write report.csv and report.md (default: first DIR)"
    )
    parser.add_argument(
        "--no-plots", action="store_true", help="skip best_so_far.png and pareto.png"
    )
    parser.add_argument(
        "--compare",
        choices=sorted(PUBLISHED),
        help="also write compare_<NAME>.csv/.md: the paper's published numbers beside nasrun's",
    )
    args = parser.parse_args(argv)
    skipped: list[str] = []
    try:
        runs = load_summaries(args.dirs, skipped)
        for other in skipped:  # another tool's summary.json among the runs
            Console(stderr=True).print(
                f"nasrun-report: skipped {other}", markup=False, soft_wrap=True
            )
        table = aggregate(runs)
        written, text = _write(table, runs, args)
    except NasrunError as error:
        fail(str(error))
    except OSError as error:  # a read-only or mistyped --out
        fail(f"cannot write the report: {error.strerror or error}: {error.filename or ''}")
    _print(table)
    if args.compare:
        Console().print(text, markup=False, highlight=False, soft_wrap=True)
        if "| differs:" in text:  # said where a reader of the log sees it, not only in a cell
            Console(stderr=True).print(
                "nasrun-report: warning: some rows differ from the paper's protocol (budget or "
                "seeds; see the protocol column): their numbers are not a like-for-like comparison",
                markup=False,
                soft_wrap=True,
            )
    Console(stderr=True).print(f"wrote {', '.join(map(str, written))} ({len(runs)} runs)")


def _write(table, runs, args: argparse.Namespace) -> tuple[list[Path], str]:
    """report.csv / report.md, the comparison and the figures; their paths, the comparison."""
    out = args.out or Path(args.dirs[0])
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "report.csv", index=False)
    (out / "report.md").write_text(markdown(table))
    written, text = [out / "report.csv", out / "report.md"], ""
    if args.compare:
        text, paths = write_comparison(table, out, args.compare)
        written += paths
    written += write_pareto_report(runs, out, plots=not args.no_plots)  # objective=multi runs
    if not args.no_plots:
        trials = load_trials(runs)
        # objective=multi trials have no single value: fronts.png (above) shows them
        scalar = trials[trials["value"].notna()] if "value" in trials else trials
        plots = (
            plot_best_so_far(scalar, out / "best_so_far.png"),
            plot_pareto(scalar, out / "pareto.png"),
        )
        written += [
            f
            for p in plots
            if p is not None
            for f in (p, p.with_suffix(".pdf"), p.with_suffix(".svg"))
        ]
    return written, text


def _print(table) -> None:
    """The headline columns only, so the table fits a terminal; the files have them all."""
    setup = [c for c in ("search", "space", "estimator", "dataset") if c in table]
    measures = [
        m for m in ("best_value", "best_test_value", "total_cost_s") if f"{m}_mean" in table
    ]
    view = Table(title="nasrun report: mean ± std over seeds", title_justify="left")
    view.add_column("/".join(setup))
    budgets = "budget" in table and table["budget"].astype(bool).any()
    if budgets:
        view.add_column("budget")
    view.add_column("seeds", justify="right")
    for measure in measures:
        view.add_column(measure, justify="right")
    for _, row in table.iterrows():
        seeds = str(row["seeds"])
        if row.get("runs", row["seeds"]) != row["seeds"]:  # a seed run more than once
            seeds += f" ({row['runs']} runs)"
        view.add_row(
            "/".join(str(row[c]) for c in setup),
            *([row["budget"]] if budgets else []),
            seeds,
            *[f"{row[m + '_mean']:.4g} ± {row[m + '_std']:.2g}" for m in measures],
        )
    Console().print(view)


if __name__ == "__main__":
    main()
