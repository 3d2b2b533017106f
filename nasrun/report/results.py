"""The results contract of one run directory (DESIGN.md §5): trials.csv, summary.json, summary.md.

Tables are derived from the study's trials every time; nothing is kept beside the study.
"""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

#: User attributes with a fixed column; every other user attribute is a metric column.
RECORD_ATTRS = (
    "arch",
    "test_value",
    "params",
    "flops",
    "cost_s",
    "fidelity",
    "worker",
    "fail_reason",
)
LEADING = ["number", "state", "arch", "value", "test_value"]
TRAILING = [
    "params",
    "flops",
    "cost_s",
    "fidelity",
    "worker",
    "datetime_start",
    "datetime_complete",
    "fail_reason",
]


def trials_frame(
    trials: Iterable[optuna.trial.FrozenTrial], arch_params: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per trial: the record columns, metrics, and any non-architecture parameters."""
    arch_params = set(arch_params)
    rows = []
    for t in trials:
        row: dict[str, Any] = {
            "number": t.number,
            "state": t.state.name,
            "value": t.value if t.values is not None and len(t.values) == 1 else None,
            "datetime_start": t.datetime_start,
            "datetime_complete": t.datetime_complete,
        }
        row.update(t.user_attrs)
        if "n_params" in row:  # the user attribute's name, clear of Optuna's params_* columns
            row["params"] = row.pop("n_params")
        row.update({f"param_{k}": v for k, v in t.params.items() if k not in arch_params})
        rows.append(row)
    frame = _whole_numbers(pd.DataFrame(rows), rows)
    for column in LEADING + TRAILING:
        if column not in frame:
            frame[column] = None
    middle = [c for c in frame.columns if c not in LEADING and c not in TRAILING]
    return frame[LEADING + sorted(middle) + TRAILING]


def _whole_numbers(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Columns of whole numbers stay whole (``parent``: 3, not 3.0) where some rows have none
    (pandas would make them floats)."""
    kinds: dict[str, bool] = {}
    for row in rows:
        for key, value in row.items():
            if value is not None:
                whole = isinstance(value, int) and not isinstance(value, bool)
                kinds[key] = kinds.get(key, True) and whole
    for column in (c for c, whole in kinds.items() if whole and c in frame):
        frame[column] = frame[column].astype("Int64")
    return frame


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    try:
        return study.best_trial
    except ValueError:  # no complete trial yet
        return None


def summarise(study: optuna.Study, info: Mapping[str, Any]) -> dict[str, Any]:
    """``summary.json``'s content: the best architecture, trial counts and the run's identity."""
    trials = study.get_trials(deepcopy=False)
    states = [t.state for t in trials]
    best = best_trial(study)
    cost = sum(t.user_attrs.get("cost_s", 0.0) or 0.0 for t in trials)
    summary = {
        "best_arch": best.user_attrs.get("arch") if best else None,
        "best_value": best.value if best else None,
        "best_test_value": best.user_attrs.get("test_value") if best else None,
        "best_trial": best.number if best else None,
        "n_trials": len(trials),
        "n_complete": states.count(optuna.trial.TrialState.COMPLETE),
        "n_pruned": states.count(optuna.trial.TrialState.PRUNED),
        "n_failed": states.count(optuna.trial.TrialState.FAIL),
        "total_cost_s": round(cost, 3),
    }
    summary.update(info)
    return summary


def provenance() -> dict[str, Any]:
    """What a run's numbers came from: nasrun's, Optuna's, torch's and Python's versions, and
    the commit of nasrun's source when it runs from a git checkout (None otherwise)."""
    from importlib.metadata import version

    versions = {name: version(name) for name in ("nasrun", "optuna", "torch")}
    return {"versions": versions | {"python": platform.python_version()}, "commit": _commit()}


@functools.cache
def _commit() -> str | None:
    source = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):  # no git: a wheel install
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def write_run_results(
    run_dir: Path, study: optuna.Study, info: Mapping[str, Any], arch_params: Iterable[str] = ()
) -> dict[str, Any]:
    """Writes trials.csv, summary.json and summary.md into ``run_dir``; returns the summary."""
    run_dir.mkdir(parents=True, exist_ok=True)
    frame = trials_frame(study.get_trials(deepcopy=False), arch_params)
    write_atomic(run_dir / "trials.csv", frame.to_csv(index=False))
    summary = summarise(study, info)
    write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    write_atomic(run_dir / "summary.md", summary_markdown(summary, frame))
    return summary


def write_atomic(path: Path, text: str) -> None:
    """Writes ``path`` whole or not at all: a temporary file in the same folder (so the rename
    stays on one file system), flushed to disk, then renamed over ``path``. A run killed
    mid-write leaves the previous file (or none), never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def summary_markdown(summary: Mapping[str, Any], frame: pd.DataFrame, top: int = 10) -> str:
    lines = ["# nasrun run summary", "", "| key | value |", "| --- | --- |"]
    for key, value in summary.items():
        lines.append(f"| {key} | {_cell(value)} |")
    complete = frame[frame["state"] == "COMPLETE"]
    if len(complete):
        ascending = summary.get("objective", {}).get("direction") == "minimize"
        best = complete.sort_values("value", ascending=ascending).head(top)
        columns = ["number", "arch", "value", "test_value", "params", "flops", "cost_s"]
        lines += ["", f"## Top {len(best)} trials", "", markdown_table(best[columns])]
    return "\n".join(lines) + "\n"


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value).replace("|", "\\|")
