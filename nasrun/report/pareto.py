"""Multi-objective results: each run's Pareto set (and its architectures, to retrain), hypervolume
over seeds, fronts on one figure.

Hypervolume reference point. Every objective is turned into one to minimise and scaled to
[0, 1]: a maximised score ``s`` in [0, 1] (accuracy) becomes ``1 - s`` with reference 1 (the
worst score, 0); a cost ``c`` becomes ``c / R`` with reference 1, where ``R`` is the largest
value of that cost in any trial of the runs compared together (so every run of one report
shares one point, and the hypervolume is the fraction of the unit box its front dominates).
``nasrun-report --reference cost=VALUE`` fixes ``R`` instead (to compare across reports).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from nasrun.report.aggregate import GROUP_BY, mean_std
from nasrun.report.plots import load_trials
from nasrun.report.results import markdown_table, summary_markdown, trials_frame, write_atomic

Objectives = Sequence[Mapping[str, str]]  # [{"name": ..., "direction": ...}, ...]


def pareto_mask(losses: np.ndarray) -> np.ndarray:
    """Which rows of ``losses`` (every column minimised) no other row dominates."""
    losses = np.asarray(losses, dtype=float)
    keep = np.ones(len(losses), dtype=bool)
    for i, row in enumerate(losses):
        dominated = np.all(losses <= row, axis=1) & np.any(losses < row, axis=1)
        keep[i] = not dominated.any()
    return keep


def as_losses(frame: pd.DataFrame, objectives: Objectives) -> np.ndarray:
    """The objectives' columns of ``frame``, each turned into one to minimise."""
    columns = [
        frame[o["name"]].astype(float) * (-1 if o["direction"] == "maximize" else 1)
        for o in objectives
    ]
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def pareto_front(frame: pd.DataFrame, objectives: Objectives) -> pd.DataFrame:
    """The complete trials of ``frame`` on the Pareto front, sorted by the first cost."""
    names = [o["name"] for o in objectives]
    complete = frame[(frame["state"] == "COMPLETE")].dropna(subset=names)
    if complete.empty:
        return complete
    front = complete[pareto_mask(as_losses(complete, objectives))]
    return front.sort_values(names[1:] + names[:1]).drop_duplicates(subset=names)


def write_pareto_results(
    run_dir: Path,
    study: optuna.Study,
    info: Mapping[str, Any],
    objective: Mapping[str, Any],
    arch_params: Sequence[str] = (),
) -> dict[str, Any]:
    """trials.csv, and summary.json / summary.md with the Pareto set in place of one best."""
    run_dir.mkdir(parents=True, exist_ok=True)
    trials = study.get_trials(deepcopy=False)
    frame = trials_frame(trials, arch_params)
    write_atomic(run_dir / "trials.csv", frame.to_csv(index=False))
    objectives = objective["objectives"]
    names = [o["name"] for o in objectives]
    present = [n for n in names if n in frame]
    front = pareto_front(frame, objectives) if len(present) == len(names) else frame.iloc[:0]
    states = [t.state for t in trials]
    cost = sum(t.user_attrs.get("cost_s", 0.0) or 0.0 for t in trials)
    summary = {
        "pareto": [
            {"trial": int(row["number"]), "arch": row["arch"], **{n: row[n] for n in names}}
            for _, row in front.iterrows()
        ],
        "n_trials": len(trials),
        "n_complete": states.count(optuna.trial.TrialState.COMPLETE),
        "n_pruned": states.count(optuna.trial.TrialState.PRUNED),
        "n_failed": states.count(optuna.trial.TrialState.FAIL),
        "total_cost_s": round(cost, 3),
        **info,
    }
    write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    text = summary_markdown({k: v for k, v in summary.items() if k != "pareto"}, frame.iloc[:0])
    if len(front):
        columns = ["number", "arch", *names]
        text += f"\n## Pareto set ({len(front)} trials)\n\n{markdown_table(front[columns])}\n"
    write_atomic(run_dir / "summary.md", text)
    return summary


PARETO_DIR = "pareto"


def write_pareto_archs(
    run_dir: Path, space: Any, study: optuna.Study, summary: Mapping[str, Any]
) -> list[Path]:
    """``<run_dir>/pareto/arch_<trial>.json`` for each trial of the Pareto set, in the form of
    ``best_arch.json`` (:mod:`nasrun.export`), so that ``nasrun-train arch=<file>`` retrains it;
    files of trials no longer on the front (a resumed run) are removed. The paths written."""
    from nasrun.export import arch_record

    folder = Path(run_dir) / PARETO_DIR
    trials = study.get_trials(deepcopy=False)  # a study's trials are in number order
    names = [o["name"] for o in summary["objective"]["objectives"]]
    written = []
    for member in summary["pareto"]:
        path = folder / f"arch_{member['trial']}.json"
        record = arch_record(path, space, study, trials[member["trial"]], summary)
        record["values"] = {name: float(member[name]) for name in names}
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, indent=2, default=str) + "\n")
        written.append(path)
    for stale in set(folder.glob("arch_*.json")) - set(written):
        stale.unlink()
    return written


def normalised_losses(
    frame: pd.DataFrame, objectives: Objectives, scale: Mapping[str, float]
) -> np.ndarray:
    """Losses in the unit box of the module's reference point (maximised scores: 1 - s)."""
    columns = []
    for o in objectives:
        values = frame[o["name"]].astype(float).to_numpy()
        columns.append(1 - values if o["direction"] == "maximize" else values / scale[o["name"]])
    return np.column_stack(columns)


def hypervolume(frame: pd.DataFrame, objectives: Objectives, scale: Mapping[str, float]) -> float:
    """The hypervolume of ``frame``'s complete trials against the reference point (1, ..., 1)."""
    front = pareto_front(frame, objectives)
    if front.empty:
        return 0.0
    losses = normalised_losses(front, objectives, scale)
    return dominated_volume(losses, np.ones(losses.shape[1]))


def dominated_volume(losses: np.ndarray, reference: np.ndarray) -> float:
    """The volume of the box below ``reference`` that the rows of ``losses`` (every column
    minimised) dominate: BoTorch's exact hypervolume (Fonseca et al. 2006's dimension sweep).
    BoTorch maximises, so both are negated; rows at or beyond the reference add nothing.
    (Optuna 5 computes it too, but only in its private ``optuna._hypervolume``.)"""
    import torch
    from botorch.utils.multi_objective.hypervolume import Hypervolume

    losses = torch.as_tensor(np.asarray(losses, dtype=float))
    reference = torch.as_tensor(np.asarray(reference, dtype=float))
    inside = losses[(losses < reference).all(dim=1)]
    if not len(inside):
        return 0.0
    return float(Hypervolume(ref_point=-reference).compute(-inside))


def cost_scale(trials: pd.DataFrame, objectives: Objectives, fixed: Mapping[str, float]) -> dict:
    """``R`` per minimised objective: given in ``fixed``, else its largest value in ``trials``."""
    scale = {}
    for o in objectives:
        if o["direction"] == "minimize":
            name = o["name"]
            scale[name] = float(fixed.get(name) or trials[name].astype(float).max())
    return scale


def multi_objective_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose summary lists several objectives (``objective=multi``), with the list
    in ``objective_list``."""
    lists = [_objective_list(Path(path)) for path in runs["run_path"]]
    marked = runs.assign(objective_list=lists)
    return marked[[len(o) > 1 for o in lists]]


def _objective_list(run_dir: Path) -> list[dict[str, str]]:
    try:
        objective = json.loads((run_dir / "summary.json").read_text()).get("objective", {})
    except (OSError, ValueError):
        return []
    return list(objective.get("objectives", [])) if isinstance(objective, dict) else []


def hypervolume_table(
    runs: pd.DataFrame, trials: pd.DataFrame, fixed: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per set-up and objective list: seeds, hypervolume mean and std, front size."""
    multi = multi_objective_runs(runs)
    rows = []
    for _, group in multi.groupby(multi["objective"]):
        objectives = group["objective_list"].iloc[0]
        mine = trials[trials["run"].isin(group["run_path"])]
        scale = cost_scale(mine, objectives, fixed or {})
        for setup, setup_runs in group.groupby(GROUP_BY, dropna=False):
            volumes, sizes = [], []
            for path in setup_runs["run_path"]:
                run = mine[mine["run"] == path]
                volumes.append(hypervolume(run, objectives, scale))
                sizes.append(len(pareto_front(run, objectives)))
            rows.append(
                {
                    **dict(zip(GROUP_BY, setup, strict=True)),
                    "objectives": "+".join(o["name"] for o in objectives),
                    "reference": ", ".join(f"{k}={v:.4g}" for k, v in scale.items()),
                    "seeds": len(volumes),
                    "hypervolume_mean": float(np.mean(volumes)),
                    "hypervolume_std": float(np.std(volumes, ddof=1)) if len(volumes) > 1 else 0.0,
                    "front_size_mean": float(np.mean(sizes)),
                }
            )
    return pd.DataFrame(rows)


def hypervolume_markdown(table: pd.DataFrame) -> str:
    cells = table.drop(columns=["hypervolume_mean", "hypervolume_std"]).assign(
        hypervolume=[
            mean_std(m, s)
            for m, s in zip(table["hypervolume_mean"], table["hypervolume_std"], strict=True)
        ]
    )
    return markdown_table(cells) + "\n"


def plot_fronts(runs: pd.DataFrame, trials: pd.DataFrame, path: Path) -> Path | None:
    """The Pareto front of each set-up (its seeds' trials pooled) on one figure: the first
    cost against the score, for every search compared."""
    multi = multi_objective_runs(runs)
    if multi.empty:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for setup, group in multi.groupby(GROUP_BY, dropna=False):
        objectives = group["objective_list"].iloc[0]
        score, cost = objectives[0]["name"], objectives[1]["name"]
        front = pareto_front(trials[trials["run"].isin(group["run_path"])], objectives[:2])
        if front.empty:
            continue
        ax.step(front[cost], front[score], where="post", marker="o", ms=3, label="/".join(setup))
        ax.set_xlabel(cost)
        ax.set_ylabel(score)
    ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_pareto_report(runs: pd.DataFrame, out: Path, plots: bool = True) -> list[Path]:
    """``hypervolume.csv`` / ``hypervolume.md`` and ``fronts.png`` for the multi-objective runs
    among ``runs`` (nothing when there are none); the paths written."""
    if multi_objective_runs(runs).empty:
        return []
    trials = load_trials(runs)
    table = hypervolume_table(runs, trials)
    table.to_csv(out / "hypervolume.csv", index=False)
    (out / "hypervolume.md").write_text(hypervolume_markdown(table))
    written = [out / "hypervolume.csv", out / "hypervolume.md"]
    figure = plot_fronts(runs, trials, out / "fronts.png") if plots else None
    return written + ([figure] if figure else [])
