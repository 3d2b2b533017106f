"""Pareto sets and hypervolume: the arithmetic, and ``nasrun-report`` on multi-objective runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.report.pareto import dominated_volume, hypervolume, pareto_front, pareto_mask
from tests.conftest import run_cli

OBJECTIVES = [{"name": "acc", "direction": "maximize"}, {"name": "cost", "direction": "minimize"}]


def _frame(points):
    return pd.DataFrame(
        {"state": "COMPLETE", "acc": [p[0] for p in points], "cost": [p[1] for p in points]}
    )


def test_pareto_mask_keeps_exactly_the_non_dominated_points():
    losses = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [2, 2.5]])
    assert pareto_mask(losses).tolist() == [True, True, False, True, False]


def test_front_of_a_frame_sorted_by_cost():
    front = pareto_front(_frame([(0.9, 10), (0.5, 2), (0.4, 5), (0.95, 20)]), OBJECTIVES)
    assert front["cost"].tolist() == [2, 10, 20]


def test_hypervolume_against_the_unit_reference():
    # One point at accuracy 0.8 and half the reference cost dominates 0.2 x ... = 0.8 * 0.5.
    assert hypervolume(_frame([(0.8, 5)]), OBJECTIVES, {"cost": 10}) == pytest.approx(0.4)
    # A second point adds the rectangle only it dominates: 0.4 + (0.9 - 0.8) * (1 - 0.8).
    two = _frame([(0.8, 5), (0.9, 8)])
    assert hypervolume(two, OBJECTIVES, {"cost": 10}) == pytest.approx(0.42)
    # Points beyond the reference dominate nothing.
    assert hypervolume(_frame([(0.8, 12)]), OBJECTIVES, {"cost": 10}) == 0.0


def test_dominated_volume_of_a_hand_computed_staircase():
    # Losses (0.2, 0.6), (0.4, 0.3), (0.7, 0.1) below (1, 1), as vertical strips:
    # 0.2 * (1 - 0.6) + 0.3 * (1 - 0.3) + 0.3 * (1 - 0.1) = 0.08 + 0.21 + 0.27 = 0.56.
    front = np.array([[0.2, 0.6], [0.4, 0.3], [0.7, 0.1]])
    assert dominated_volume(front, np.ones(2)) == pytest.approx(0.56, abs=1e-12)
    # A dominated point, and one beyond the reference, add nothing.
    more = np.vstack([front, [[0.5, 0.5], [1.2, 0.0]]])
    assert dominated_volume(more, np.ones(2)) == pytest.approx(0.56, abs=1e-12)
    # Three objectives: a box of 0.5 x 0.5 x 0.5; a second point adds what only it dominates.
    boxes = np.array([[0.5, 0.5, 0.5], [0.25, 0.75, 0.5]])
    assert dominated_volume(boxes[:1], np.ones(3)) == pytest.approx(0.125)
    assert dominated_volume(boxes, np.ones(3)) == pytest.approx(0.125 + 0.25 * 0.25 * 0.5)
    assert dominated_volume(np.array([[1.0, 0.5]]), np.ones(2)) == 0.0


def test_report_writes_hypervolume_per_search_and_one_figure_of_fronts(tmp_path, nb201_dir):
    for search in ("nsga2", "random"):
        for seed in (0, 1):
            cfg = compose(
                "space=nb201",
                "estimator=tabular",
                "objective=multi",
                f"search={search}",
                f"seed={seed}",
                "budget.trials=10",
                f"data_dir={nb201_dir}",
                "storage=memory",
                "verbose=false",
            )
            Experiment.from_config(cfg, tmp_path / "runs" / search / str(seed)).run()
    run_cli(tmp_path, "runs", "--out", "report", tool="nasrun-report")
    table = pd.read_csv(tmp_path / "report" / "hypervolume.csv")
    assert sorted(table["search"]) == ["nsga2", "random"] and (table["seeds"] == 2).all()
    assert ((table["hypervolume_mean"] > 0) & (table["hypervolume_mean"] < 1)).all()
    assert "flops=" in table["reference"].iloc[0]
    assert (tmp_path / "report" / "fronts.png").stat().st_size > 0
    assert "± " in (tmp_path / "report" / "hypervolume.md").read_text()
