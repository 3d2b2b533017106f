"""Aggregate tables over many runs: mean ± std over seeds for each experiment set-up."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from nasrun.errors import NasrunError
from nasrun.report.results import markdown_table

GROUP_BY = ["search", "space", "estimator", "dataset"]
#: Runs are also grouped by their budget: a mean over runs of different lengths means nothing.
BUDGET = "budget"
#: The budget keys that end a run (summary.json's ``budget``), in the order a label names them.
LIMITS = ("cost_s", "seconds", "trials")
MEASURES = [
    "best_value",
    "best_test_value",
    "n_complete",
    "n_pruned",
    "n_failed",
    "total_cost_s",
    "elapsed_s",
]


def find_summaries(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``summary.json`` in the given run or multirun directories (searched recursively)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise NasrunError(f"no such directory: {path}")
        found += [path] if path.name == "summary.json" else sorted(path.rglob("summary.json"))
    if not found:
        raise NasrunError("no summary.json found under " + ", ".join(map(str, paths)))
    return found


def load_summaries(paths: Iterable[str | Path], skipped: list[str] | None = None) -> pd.DataFrame:
    """One row per run: its ``summary.json``.

    A ``summary.json`` of another shape (another tool's, in a folder searched recursively) is
    left out, with the reason appended to ``skipped``; when none is nasrun's, that is the error.
    A file that is not JSON at all is an error: it is where a run's summary should be.
    """
    rows, others = [], []
    for file in find_summaries(paths):
        try:
            summary = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            raise NasrunError(f"{file} is not valid JSON: {error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise NasrunError(f"cannot read {file}: {error}") from None
        problem = shape_problem(summary)
        if problem:
            others.append(f"{file} ({problem})")
            continue
        summary["objective"], summary["objective_direction"] = (
            summary["objective"]["name"],
            summary["objective"].get("direction", "maximize"),
        )
        summary["run_path"] = str(file.parent)
        summary[BUDGET] = budget_label(summary.get(BUDGET))
        rows.append(summary)
    if skipped is not None:
        skipped += others
    if not rows:
        raise NasrunError("no nasrun run summary found; not one: " + "; ".join(others))
    return pd.DataFrame(rows)


def shape_problem(summary: object) -> str | None:
    """Why ``summary`` is not a nasrun run summary (None when it is one): the set-up names as
    strings, the objective as ``{"name": ..., "direction": ...}``, the measures as numbers."""
    if not isinstance(summary, dict):
        return f"a JSON {type(summary).__name__}, not an object"
    missing = [k for k in GROUP_BY if not isinstance(summary.get(k), str)]
    if missing:
        return f"no {', '.join(missing)}"
    objective = summary.get("objective")
    if not isinstance(objective, dict) or not isinstance(objective.get("name"), str):
        return 'objective is not {"name": ..., "direction": ...}'
    if objective.get("direction", "maximize") not in ("maximize", "minimize"):
        return f"objective direction {objective['direction']!r}"
    for key in MEASURES:
        value = summary.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"{key} is not a number"
    return None


def budget_label(budget: object) -> str:
    """``cost_s=12000,trials=1000`` from summary.json's ``budget``; "" when a run has none
    recorded (made before budgets were)."""
    if not isinstance(budget, dict):
        return ""
    return ",".join(f"{k}={budget[k]:g}" for k in LIMITS if isinstance(budget.get(k), int | float))


def aggregate(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per set-up (search, space, estimator, dataset, objective, budget): how many
    distinct ``seeds`` and how many ``runs`` it has (more runs than seeds: a seed run twice),
    and each measure's mean and std over the runs."""
    keys = [k for k in [*GROUP_BY, "objective", BUDGET] if k in runs]
    measures = [m for m in MEASURES if m in runs and runs[m].notna().any()]
    grouped = runs.groupby(keys, dropna=False)
    table = grouped.size().rename("runs").to_frame()
    seeds = grouped["seed"].nunique() if "seed" in runs else table["runs"]
    table.insert(0, "seeds", seeds)
    for measure in measures:
        values = grouped[measure].agg(["mean", "std"])
        table[f"{measure}_mean"] = values["mean"]
        table[f"{measure}_std"] = values["std"].fillna(0.0)
    return table.reset_index()


def markdown(table: pd.DataFrame, scale: float = 1.0) -> str:
    """The table with each measure as ``mean ± std``."""
    keys = [c for c in table.columns if not c.endswith(("_mean", "_std"))]
    measures = [c.removesuffix("_mean") for c in table.columns if c.endswith("_mean")]
    cells = pd.DataFrame(
        [
            [str(row[k]) for k in keys]
            + [mean_std(row[f"{m}_mean"], row[f"{m}_std"]) for m in measures]
            for _, row in table.iterrows()
        ],
        columns=keys + measures,
    )
    return markdown_table(cells) + "\n"


def mean_std(mean: float, std: float) -> str:
    if pd.isna(mean):
        return ""
    digits = 2 if abs(mean) >= 10 else 4
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
