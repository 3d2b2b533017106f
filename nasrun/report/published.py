"""Published results to put beside nasrun's aggregate tables (``nasrun-report --compare``).

Each entry holds one paper table as printed, with the set-up nasrun must have run for a row to
be comparable (space, estimator) and how nasrun's search names map onto the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nasrun.errors import NasrunError
from nasrun.report.aggregate import mean_std
from nasrun.report.results import markdown_table


@dataclass(frozen=True)
class PublishedTable:
    citation: str
    measure: str  # the aggregate column the numbers are of, without _mean / _std
    scale: float  # nasrun's unit -> the paper's (accuracy fractions -> percent)
    setup: dict[str, str]  # rows of other set-ups are not comparable and are left out
    methods: dict[str, str]  # nasrun search -> the paper's name for it
    results: dict[tuple[str, str], tuple[float, float]]  # (dataset, method) -> (mean, std)
    budget: str = ""  # the paper's budget as nasrun's label (aggregate.budget_label) holds it


NB201 = PublishedTable(
    citation=(
        "Dong & Yang, NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture "
        "Search, ICLR 2020, Table 5: test accuracy (%) after search, mean ± std"
    ),
    measure="best_test_value",
    scale=100.0,
    setup={"space": "nb201", "estimator": "tabular"},
    methods={"random": "RS", "ea": "REA", "rl": "REINFORCE", "bohb": "BOHB"},
    results={
        ("cifar10", "RS"): (93.70, 0.36),
        ("cifar10", "REA"): (93.92, 0.30),
        ("cifar10", "REINFORCE"): (93.85, 0.37),
        ("cifar10", "BOHB"): (93.61, 0.52),
        ("cifar100", "RS"): (71.04, 1.07),
        ("cifar100", "REA"): (71.84, 0.99),
        ("cifar100", "REINFORCE"): (71.71, 1.09),
        ("cifar100", "BOHB"): (70.85, 1.28),
        ("imagenet16-120", "RS"): (44.57, 1.25),
        ("imagenet16-120", "REA"): (45.54, 1.03),
        ("imagenet16-120", "REINFORCE"): (45.24, 1.18),
        ("imagenet16-120", "BOHB"): (44.42, 1.49),
    },
    budget="cost_s=12000",  # Section 5: 12,000 s of (simulated) training per search
)

PUBLISHED = {"nb201": NB201}
COLUMNS = [
    "dataset",
    "search",
    "method",
    "seeds",
    "nasrun_mean",
    "nasrun_std",
    "paper_mean",
    "paper_std",
    "difference",
    "within_paper_std",
    "budget",
    "protocol",
]


def published(name: str) -> PublishedTable:
    try:
        return PUBLISHED[name]
    except KeyError:
        raise NasrunError(
            f"no published table {name!r}; choose one of: {', '.join(PUBLISHED)}"
        ) from None


def compare(table: pd.DataFrame, name: str = "nb201") -> pd.DataFrame:
    """nasrun's rows of an :func:`~nasrun.report.aggregate.aggregate` table beside the paper's.

    One row per (dataset, method) that either side has, for the datasets nasrun ran: searches
    the paper lacks get empty paper columns, methods nasrun did not run empty nasrun columns.
    ``difference`` is nasrun's mean minus the paper's, in the paper's unit; the difference is
    called within the paper's std when its size is at most that std.
    """
    paper = published(name)
    mine = table
    for key, value in paper.setup.items():
        if key in mine:
            mine = mine[mine[key] == value]
    measure = f"{paper.measure}_mean"
    if mine.empty or measure not in mine or not {"search", "dataset"} <= set(mine):
        return pd.DataFrame(columns=COLUMNS)
    rows: dict[tuple[str, str], list[dict]] = {}
    for _, row in mine.iterrows():
        method = paper.methods.get(row["search"], "")
        budget = row.get("budget", "")
        rows.setdefault((row["dataset"], method or row["search"]), []).append(
            {
                "dataset": row["dataset"],
                "search": row["search"],
                "method": method,
                "seeds": row["seeds"],
                "nasrun_mean": row[measure] * paper.scale,
                "nasrun_std": row[f"{paper.measure}_std"] * paper.scale,
                "budget": budget,
                "protocol": protocol(paper, budget, row.get("runs", row["seeds"]), row["seeds"]),
            }
        )
    searches = {method: search for search, method in paper.methods.items()}
    for (dataset, method), (mean, std) in paper.results.items():
        if dataset not in set(mine["dataset"]):
            continue
        mine_rows = rows.setdefault(
            (dataset, method), [{"dataset": dataset, "search": searches[method], "method": method}]
        )
        for row in mine_rows:
            row.update(paper_mean=mean, paper_std=std)
    frame = pd.DataFrame([r for group in rows.values() for r in group], columns=COLUMNS)
    frame["difference"] = frame["nasrun_mean"] - frame["paper_mean"]
    frame["within_paper_std"] = (frame["difference"].abs() <= frame["paper_std"]).where(
        frame["difference"].notna()
    )
    # A verdict on runs of another protocol would mislead: the numbers stay, the verdict goes.
    frame.loc[frame["protocol"].str.startswith("differs", na=False), "within_paper_std"] = None
    # The paper's order (its datasets, then its methods); nasrun's other searches after them,
    # alphabetically (the first sort; the second is stable).
    names = [*dict.fromkeys(dataset for dataset, _ in paper.results), *paper.methods]
    order = {name: i for i, name in enumerate(names)}
    frame = frame.sort_values(["dataset", "search"])
    return frame.sort_values(
        ["dataset", "search"],
        key=lambda c: c.map(lambda v: order.get(v, len(order))),
        ignore_index=True,
    )


def protocol(paper: PublishedTable, budget: str, runs: int, seeds: int) -> str:
    """ "as the paper", or how a row's runs differ from the paper's protocol (its budget; a
    seed run more than once), so that such a comparison is never read as a like-for-like one."""
    problems = []
    limits = set(budget.split(",")) if budget else set()
    if paper.budget and paper.budget not in limits:
        problems.append(f"budget {budget or 'not recorded'}, paper {paper.budget}")
    if runs > seeds:
        problems.append(f"{runs} runs of {seeds} distinct seeds")
    return "differs: " + "; ".join(problems) if problems else "as the paper"


def compare_markdown(frame: pd.DataFrame, name: str = "nb201") -> str:
    """The comparison as a Markdown table, with the paper's citation under it."""
    cells = pd.DataFrame(
        {
            "dataset": frame["dataset"],
            "search": [
                f"{s} ({m})" if isinstance(m, str) and m else s
                for s, m in zip(frame["search"], frame["method"], strict=True)
            ],
            "seeds": [_count(s) for s in frame["seeds"]],
            "nasrun": _mean_std_cells(frame, "nasrun"),
            "paper": _mean_std_cells(frame, "paper"),
            "difference": [_signed(d) for d in frame["difference"]],
            "within paper std": [
                "" if pd.isna(w) else ("yes" if w else "no") for w in frame["within_paper_std"]
            ],
            "protocol": frame["protocol"].fillna(""),
        }
    )
    return f"{markdown_table(cells)}\n\nPaper: {published(name).citation}.\n"


def write_comparison(table: pd.DataFrame, out: Path, name: str = "nb201") -> tuple[str, list[Path]]:
    """Writes ``compare_<name>.csv`` and ``.md`` into ``out``; returns the Markdown and paths."""
    comparison = compare(table, name)
    text = compare_markdown(comparison, name)
    paths = [out / f"compare_{name}.csv", out / f"compare_{name}.md"]
    comparison.to_csv(paths[0], index=False)
    paths[1].write_text(text)
    return text, paths


def _mean_std_cells(frame: pd.DataFrame, side: str) -> list[str]:
    pairs = zip(frame[f"{side}_mean"], frame[f"{side}_std"], strict=True)
    return [mean_std(mean, std) for mean, std in pairs]


def _count(value: object) -> str:
    return "" if pd.isna(value) else str(int(value))


def _signed(value: float) -> str:
    return "" if pd.isna(value) else f"{value:+.2f}"
