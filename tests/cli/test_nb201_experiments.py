"""The NAS-Bench-201 paper set-ups (configs/experiment/nb201_*.yaml), run in-process; one sweep
through the real CLI."""

from __future__ import annotations

import json

import pytest

from nasrun.config import compose
from nasrun.experiment import Experiment
from tests.conftest import run_cli, run_dir_results

EXPERIMENTS = {
    "nb201_cifar10": "cifar10",
    "nb201_cifar100": "cifar100",
    "nb201_imagenet16": "imagenet16-120",
}
SEARCHES = ("random", "ea", "rl")


def _run(tmp_path, nb201_dir, *overrides: str) -> dict:
    cfg = compose(*overrides, f"data_dir={nb201_dir}", "storage=memory", "verbose=false")
    return Experiment.from_config(cfg, tmp_path / "-".join(overrides)).run()


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_each_experiment_runs_each_of_the_papers_searches(tmp_path, nb201_dir, experiment):
    for search in SEARCHES:
        summary = _run(
            tmp_path, nb201_dir, f"experiment={experiment}", f"search={search}", "budget.trials=12"
        )
        assert (summary["space"], summary["estimator"], summary["dataset"]) == (
            "nb201",
            "tabular",
            EXPERIMENTS[experiment],
        )
        assert summary["search"] == search and summary["n_complete"] == 12
        assert 0 < summary["best_value"] < summary["best_test_value"] < 1


def test_the_simulated_seconds_budget_ends_the_search(tmp_path, nb201_dir):
    """NB201's 12,000 simulated seconds buy about 100 evaluations on cifar10 (the paper's scale)."""
    summary = _run(tmp_path, nb201_dir, "experiment=nb201_cifar10")
    trials, _ = run_dir_results(tmp_path / "experiment=nb201_cifar10")
    assert 90 <= summary["n_complete"] <= 140 and summary["n_complete"] < 1000
    # The trial that crossed the budget is kept, and is the last one.
    assert trials["cost_s"].iloc[:-1].sum() < 12_000 <= trials["cost_s"].sum()


def test_a_sweep_over_experiments_from_the_shell(tmp_path, nb201_dir):
    run_cli(
        tmp_path,
        "-m",
        "experiment=nb201_cifar100,nb201_imagenet16",
        "search=random",
        "budget.trials=3",
        "storage=memory",
        "verbose=false",
        f"data_dir={nb201_dir}",
        "hydra.sweep.dir=sweep",
    )
    summaries = [json.loads(p.read_text()) for p in (tmp_path / "sweep").rglob("summary.json")]
    assert sorted(s["dataset"] for s in summaries) == ["cifar100", "imagenet16-120"]
    assert all(s["n_complete"] == 3 for s in summaries)
