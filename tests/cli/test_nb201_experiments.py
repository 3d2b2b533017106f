"""The NAS-Bench-201 paper set-ups (configs/experiment/nb201_*.yaml) through the real CLI."""

from __future__ import annotations

import json

from nasrun.experiment import Experiment
from tests.conftest import run_cli, run_dir_results

EXPERIMENTS = {
    "nb201_cifar10": "cifar10",
    "nb201_cifar100": "cifar100",
    "nb201_imagenet16": "imagenet16-120",
}


def test_each_experiment_runs_each_search_via_the_cli(tmp_path, nb201_dir):
    # One sweep (one Hydra start-up) over every set-up with each of the paper's searches.
    run_cli(
        tmp_path,
        "-m",
        f"experiment={','.join(EXPERIMENTS)}",
        "search=random,ea,rl",
        "budget.trials=12",
        "storage=memory",
        "verbose=false",
        f"data_dir={nb201_dir}",
        "hydra.sweep.dir=sweep",
    )
    summaries = [json.loads(p.read_text()) for p in (tmp_path / "sweep").rglob("summary.json")]
    assert sorted((s["dataset"], s["search"]) for s in summaries) == sorted(
        (dataset, search) for dataset in EXPERIMENTS.values() for search in ("random", "ea", "rl")
    )
    for summary in summaries:
        assert (summary["space"], summary["estimator"], summary["n_complete"]) == (
            "nb201",
            "tabular",
            12,
        )
        assert 0 < summary["best_value"] < summary["best_test_value"] < 1


def test_the_simulated_seconds_budget_ends_the_search(compose_config, tmp_path, nb201_dir):
    """NB201's 12,000 simulated seconds buy about 100 evaluations on cifar10 (the paper's scale)."""
    cfg = compose_config(
        "experiment=nb201_cifar10", f"data_dir={nb201_dir}", "storage=memory", "verbose=false"
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    trials, _ = run_dir_results(tmp_path / "run")
    assert 90 <= summary["n_complete"] <= 140 and summary["n_complete"] < cfg.budget.trials
    # The trial that crossed the budget is kept, and is the last one.
    assert trials["cost_s"].iloc[:-1].sum() < 12_000 <= trials["cost_s"].sum()
