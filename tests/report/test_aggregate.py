"""Aggregating run summaries."""

from __future__ import annotations

import json

import pytest

from nasrun.errors import NasrunError
from nasrun.report import aggregate, load_summaries
from nasrun.report.aggregate import markdown


def _summary(path, search, seed, value):
    path.mkdir(parents=True)
    (path / "summary.json").write_text(
        json.dumps(
            {
                "search": search,
                "space": "chain",
                "estimator": "low_fidelity",
                "dataset": "digits",
                "objective": {"name": "valid_acc", "direction": "maximize"},
                "seed": seed,
                "best_value": value,
                "best_test_value": None,
                "n_complete": 4,
            }
        )
    )


def test_mean_and_std_per_setup(tmp_path):
    for seed, value in enumerate([0.8, 0.9, 1.0]):
        _summary(tmp_path / "sweep" / str(seed), "random", seed, value)
    _summary(tmp_path / "other", "tpe", 0, 0.5)
    table = aggregate(load_summaries([tmp_path / "sweep", tmp_path / "other"]))
    row = table.set_index("search").loc["random"]
    assert row["seeds"] == 3
    assert row["best_value_mean"] == pytest.approx(0.9) and row["best_value_std"] == pytest.approx(
        0.1
    )
    assert table.set_index("search").loc["tpe", "best_value_std"] == 0
    assert "best_test_value_mean" not in table  # all empty: no column
    assert "0.9000 ± 0.1000" in markdown(table)


def test_no_summaries_is_a_clear_error(tmp_path):
    with pytest.raises(NasrunError, match="no summary.json"):
        load_summaries([tmp_path])
