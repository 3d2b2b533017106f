"""Figures for ``nasrun-report``: best-so-far curves with bands, and accuracy/size Pareto fronts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nasrun.errors import NasrunError
from nasrun.report.aggregate import GROUP_BY

#: The columns of trials.csv the figures read.
TRIAL_COLUMNS = {"number", "state", "value"}


def load_trials(runs: pd.DataFrame) -> pd.DataFrame:
    """All runs' trials.csv rows, each tagged with its run's set-up columns and seed."""
    frames = []
    for _, run in runs.iterrows():
        path = Path(run["run_path"]) / "trials.csv"
        if not path.is_file():
            continue
        try:
            trials = pd.read_csv(path)
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise NasrunError(f"{path} is not a readable CSV: {error}") from None
        except pd.errors.EmptyDataError:
            continue
        if not set(trials.columns) >= TRIAL_COLUMNS:  # another tool's table: nothing to plot
            continue
        for column in [*GROUP_BY, "seed"]:
            trials[column] = run.get(column)
        trials["run"] = run["run_path"]
        trials["direction"] = run.get("objective_direction") or "maximize"
        frames.append(trials)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def best_so_far(trials: pd.DataFrame, x: str = "evaluations", y: str = "value") -> pd.DataFrame:
    """Per run: the best complete value after each evaluation (or after each simulated second).

    ``x="evaluations"`` counts finished trials; ``x="cost_s"`` accumulates the recorded cost.
    ``y="value"`` is the best objective so far; any other column (e.g. ``"test_value"``) is read
    from the incumbent, the best-by-objective trial so far, as papers report search results.
    """
    if trials.empty:  # no run left a trials.csv
        return pd.DataFrame()
    rows = []
    for run, frame in trials.groupby("run"):
        frame = frame.sort_values("number")
        sign = -1.0 if frame["direction"].iloc[0] == "minimize" else 1.0
        values = frame["value"].where(frame["state"] == "COMPLETE").to_numpy(dtype=float)
        score = np.where(np.isnan(values), -np.inf, sign * values)
        running = np.maximum.accumulate(score)
        found = np.isfinite(running)
        if y == "value":
            best = np.where(found, sign * running, np.nan)
        else:  # the incumbent is the first trial that reached the running best
            improved = np.r_[True, running[1:] > running[:-1]]
            incumbent = np.maximum.accumulate(np.where(improved, np.arange(len(frame)), 0))
            best = np.where(found, frame[y].to_numpy(dtype=float)[incumbent], np.nan)
        steps = (
            np.arange(1, len(frame) + 1)
            if x == "evaluations"
            else frame["cost_s"].fillna(0).cumsum().to_numpy()
        )
        rows.append(
            pd.DataFrame(
                {"run": run, "x": steps, "best": best, **{c: frame[c].iloc[0] for c in GROUP_BY}}
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def plot_best_so_far(
    trials: pd.DataFrame,
    path: Path,
    x: str = "evaluations",
    y: str = "value",
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
) -> Path | None:
    """Mean best-so-far curve per set-up, with a ± std band over seeds (see :func:`best_so_far`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = best_so_far(trials, x, y)
    if curves.empty:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for setup, group in curves.groupby(GROUP_BY, dropna=False):
        runs = [g.set_index("x")["best"] for _, g in group.groupby("run")]
        grid = np.unique(np.concatenate([r.index.to_numpy() for r in runs]))
        # Each run's best-so-far is a step function: carry it forward onto a common grid.
        table = np.vstack(
            [
                r[~r.index.duplicated(keep="last")].reindex(grid, method="ffill").to_numpy()
                for r in runs
            ]
        )
        # On a cost axis, runs finish their first trial at different x: start the curve where
        # every run with a result has one, or a mean over a few early runs would spike there.
        found = ~np.isnan(table)
        start = found[found.any(axis=1)].all(axis=0)
        grid, table = grid[start], table[:, start]
        mean, std = np.nanmean(table, axis=0), np.nanstd(table, axis=0)
        label = (
            f"{setup[0]} ({len(runs)} seeds)"
            if curves[GROUP_BY[1:]].nunique().max() == 1
            else "/".join(map(str, setup))
        )
        ax.plot(grid, mean, label=label)
        ax.fill_between(grid, mean - std, mean + std, alpha=0.2)
    ax.set_xlabel(
        "evaluations" if x == "evaluations" else "cost_s (simulated for tabular look-ups)"
    )
    ax.set_ylabel("best value so far" if y == "value" else f"{y} of the best trial so far")
    if title:
        ax.set_title(title, fontsize=10)
    if ylim:  # e.g. zoomed on where the searches differ, past the first few evaluations
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def pareto_front(frame: pd.DataFrame, cost: str = "params") -> pd.DataFrame:
    """The complete trials no other trial beats on both value (max) and ``cost`` (min)."""
    complete = frame[(frame["state"] == "COMPLETE") & frame[cost].notna()].sort_values(
        [cost, "value"], ascending=[True, False]
    )
    front, best = [], -np.inf
    for _, row in complete.iterrows():
        if row["value"] > best:
            front.append(row)
            best = row["value"]
    return pd.DataFrame(front)


def plot_pareto(trials: pd.DataFrame, path: Path, cost: str = "params") -> Path | None:
    """Value against model size for every complete trial, with each set-up's Pareto front."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if trials.empty or cost not in trials or trials[cost].notna().sum() == 0:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for setup, group in trials.groupby(GROUP_BY, dropna=False):
        complete = group[group["state"] == "COMPLETE"]
        points = ax.scatter(complete[cost], complete["value"], s=8, alpha=0.35)
        front = pareto_front(group, cost)
        ax.step(
            front[cost],
            front["value"],
            where="post",
            color=points.get_facecolor()[0],
            label="/".join(map(str, setup)),
        )
    ax.set_xscale("log")
    ax.set_xlabel(cost)
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
