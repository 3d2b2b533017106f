"""Figures for ``nasrun-report``: best-so-far curves with bands, and accuracy/size Pareto fronts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nasrun.errors import NasrunError
from nasrun.report.aggregate import GROUP_BY

#: The columns of trials.csv the figures read.
TRIAL_COLUMNS = {"number", "state", "value"}
#: One panel per (dataset, space); in a panel, one curve per (search, estimator, budget).
PANEL = ["dataset", "space"]
CURVE = ["search", "estimator", "budget"]
#: The columns a trial is tagged with from its run's summary.
TAGS = [*GROUP_BY, "objective", "budget"]
X_LABELS = {
    "evaluations": "evaluations (finished trials)",
    "cost_s": "training time (s; simulated for tabular look-ups)",
}
COST_LABELS = {"params": "parameters", "flops": "FLOPs (one forward pass)"}


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
        for column in [*TAGS, "seed"]:
            trials[column] = run.get(column, "")
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
    trials = _tagged(trials)
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
                {
                    "run": run,
                    "x": steps,
                    "best": best,
                    **{c: frame[c].iloc[0] for c in [*TAGS, "seed"]},
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _tagged(trials: pd.DataFrame) -> pd.DataFrame:
    """``trials`` with every tag column (a table made by hand may lack the budget, seed, ...)."""
    missing = [c for c in [*TAGS, "seed"] if c not in trials]
    return trials.assign(**dict.fromkeys(missing, "")) if missing else trials


def plot_best_so_far(
    trials: pd.DataFrame,
    path: Path,
    x: str = "evaluations",
    y: str = "value",
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
) -> Path | None:
    """Mean best-so-far curve per set-up, with a ± std band over seeds (see :func:`best_so_far`):
    one panel per dataset and space, titled with them and the budget; accuracies in percent.
    Written as ``path`` (PNG) and beside it as PDF; ``ylim`` is in the table's own unit."""
    plt = _pyplot()
    curves = best_so_far(trials, x, y)
    if curves.empty:
        return None
    panels = list(curves.groupby(PANEL, dropna=False, sort=True))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4), squeeze=False)
    for ax, ((dataset, space), panel) in zip(axes[0], panels, strict=True):
        scale, objective = _scale(panel, y)
        for setup, group in panel.groupby(CURVE, dropna=False):
            grid, mean, std, seeds = _band(group)
            label = _label(panel, setup) + f" ({seeds} seed{'s' * (seeds != 1)})"
            ax.plot(grid, mean * scale, label=label)
            ax.fill_between(grid, (mean - std) * scale, (mean + std) * scale, alpha=0.2)
        ax.set_title(_title(panel, dataset, space), fontsize=10)
        ax.set_xlabel(X_LABELS.get(x, x))
        what = f"best {objective} so far" if y == "value" else f"{y} of the best trial so far"
        ax.set_ylabel(what + (" (%)" if scale == 100.0 else ""))
        if ylim:  # e.g. zoomed on where the searches differ, past the first few evaluations
            ax.set_ylim(ylim[0] * scale, ylim[1] * scale)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or "best so far: mean ± std over seeds", fontsize=11)
    return _save(fig, path)


def _label(panel: pd.DataFrame, setup: tuple) -> str:
    """A curve's legend entry: its search, and its estimator and budget where those differ."""
    varying = zip(CURVE[1:], setup[1:], strict=True)
    parts = [setup[0]] + [value for column, value in varying if panel[column].nunique() > 1]
    return ", ".join(map(str, parts))


def _title(panel: pd.DataFrame, dataset: str, space: str) -> str:
    """``cifar10 (nb201), budget cost_s=12000,trials=1000``: the budget when the panel has one."""
    budgets = panel["budget"].unique()
    budget = f"budget {budgets[0]}" if len(budgets) == 1 and budgets[0] else ""
    return ", ".join(filter(None, [f"{dataset} ({space})", budget]))


def _band(group: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """One set-up's runs on a common x grid: the grid, mean, std and the number of runs."""
    runs = [g.set_index("x")["best"] for _, g in group.groupby("run")]
    grid = np.unique(np.concatenate([r.index.to_numpy() for r in runs]))
    # Each run's best-so-far is a step function: carry it forward onto a common grid.
    table = np.vstack(
        [r[~r.index.duplicated(keep="last")].reindex(grid, method="ffill").to_numpy() for r in runs]
    )
    # On a cost axis, runs finish their first trial at different x: start the curve where
    # every run with a result has one, or a mean over a few early runs would spike there.
    found = ~np.isnan(table)
    start = found[found.any(axis=1)].all(axis=0)
    grid, table = grid[start], table[:, start]
    seeds = group.drop_duplicates("run")["seed"].replace("", np.nan).nunique()
    return grid, np.nanmean(table, axis=0), np.nanstd(table, axis=0), seeds or len(runs)


def _scale(frame: pd.DataFrame, y: str) -> tuple[float, str]:
    """100 for an accuracy (shown in percent), else 1; and the objective's name."""
    objective = str(frame["objective"].iloc[0]) if "objective" in frame else ""
    accuracy = "acc" in objective.lower() and (y == "value" or y.endswith(("acc", "_value")))
    return (100.0 if accuracy else 1.0), objective or "value"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    """``path`` (PNG, for the screen) and the same figure as PDF and SVG (vector, for a paper;
    the SVG keeps its text as text, to edit or restyle)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=200)
    fig.savefig(Path(path).with_suffix(".pdf"))
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(Path(path).with_suffix(".svg"))
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
    """Value against model size for every complete trial, with each set-up's Pareto front: one
    panel per dataset and space; PNG and PDF like :func:`plot_best_so_far`."""
    if trials.empty or cost not in trials or trials[cost].notna().sum() == 0:
        return None
    plt = _pyplot()
    trials = _tagged(trials)
    panels = list(trials.groupby(PANEL, dropna=False, sort=True))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4), squeeze=False)
    for ax, ((dataset, space), panel) in zip(axes[0], panels, strict=True):
        scale, objective = _scale(panel, "value")
        for setup, group in panel.groupby(CURVE, dropna=False):
            complete = group[group["state"] == "COMPLETE"]
            points = ax.scatter(complete[cost], complete["value"] * scale, s=8, alpha=0.35)
            front = pareto_front(group, cost)
            if front.empty:
                continue
            colour = points.get_facecolor()[0][:3]  # the points' colour, not their transparency
            label = _label(panel, setup) + " (front)"
            ax.step(front[cost], front["value"] * scale, where="post", color=colour, label=label)
        ax.set_xscale("log")
        ax.set_xlabel(COST_LABELS.get(cost, cost) + " (log scale)")
        ax.set_ylabel(objective + (" (%)" if scale == 100.0 else ""))
        ax.set_title(_title(panel, dataset, space), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{objective} against {COST_LABELS.get(cost, cost)}: every trial, Pareto front")
    return _save(fig, path)
