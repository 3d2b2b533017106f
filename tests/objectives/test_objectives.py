"""objective=: accuracy with costs as a Pareto search, MnasNet's reward, a hard budget; run
in-process through real Hydra composition, on NB201's tables and on the chain space."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nasrun.cli.train_args import train_arguments
from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment
from nasrun.report.pareto import pareto_mask
from tests.conftest import make_experiment

NB201 = ("space=nb201", "estimator=tabular", "storage=memory", "verbose=false")


def _nb201(tmp_path, nb201_dir, *overrides: str) -> tuple[dict, pd.DataFrame]:
    cfg = compose(*NB201, f"data_dir={nb201_dir}", *overrides)
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    return summary, pd.read_csv(tmp_path / "run" / "trials.csv")


def test_multi_objective_nsga2_records_every_objective_and_the_pareto_set(tmp_path, nb201_dir):
    summary, trials = _nb201(
        tmp_path, nb201_dir, "objective=multi", "search=nsga2", "budget.trials=30"
    )
    assert summary["objective"]["objectives"] == [
        {"name": "valid_acc", "direction": "maximize"},
        {"name": "flops", "direction": "minimize"},
    ]
    assert "best_value" not in summary and summary["n_complete"] == 30
    complete = trials[trials["state"] == "COMPLETE"]
    losses = np.column_stack([-complete["valid_acc"], complete["flops"]])
    front = complete[pareto_mask(losses)]
    assert sorted(p["trial"] for p in summary["pareto"]) == sorted(
        front.drop_duplicates(["valid_acc", "flops"])["number"]
    )
    # A set, not one point: NB201 trades accuracy for FLOPs.
    assert len(summary["pareto"]) >= 2
    saved = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert saved["pareto"] == summary["pareto"]


def test_multi_objective_run_names_its_values_and_writes_each_pareto_arch(tmp_path, nb201_dir):
    cfg = compose(
        *NB201,
        f"data_dir={nb201_dir}",
        "objective=multi",
        "objective.costs=[params]",
        "search=nsga2",
        "budget.trials=12",
    )
    experiment = Experiment.from_config(cfg, tmp_path / "run")
    summary = experiment.run()
    # optuna-dashboard labels its axes by the study's metric names.
    assert experiment.study.metric_names == ["valid_acc", "params"]
    # The parameter count is recorded as in single-objective runs: n_params, a whole number.
    attrs = [t.user_attrs for t in experiment.study.trials]
    assert all("params" not in a and isinstance(a["n_params"], int) for a in attrs)
    assert [t.values[1] for t in experiment.study.trials] == [a["n_params"] for a in attrs]
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert trials["params"].tolist() == [a["n_params"] for a in attrs]
    # Each member of the Pareto set is a file nasrun-train retrains.
    members = {p["trial"]: p for p in summary["pareto"]}
    files = sorted((tmp_path / "run" / "pareto").iterdir())
    assert sorted(f.name for f in files) == sorted(f"arch_{n}.json" for n in members)
    for path in files:
        record = json.loads(path.read_text())
        member = members[record["trial"]]
        assert record["arch"] == member["arch"] and record["values"]["params"] == member["params"]
        args = train_arguments([f"arch={path}"])
        assert "space=nb201" in args and f'arch="{member["arch"]}"' in args
        compose(*args, f"data_dir={nb201_dir}")  # a config nasrun-train can run


def test_mnasnet_reward_is_accuracy_times_cost_ratio_to_the_w(tmp_path, nb201_dir):
    target = 100e6
    _, trials = _nb201(
        tmp_path,
        nb201_dir,
        "objective=mnasnet",
        "objective.cost=flops",
        f"objective.target={target}",
        "search=rl",
        "budget.trials=8",
    )
    expected = trials["valid_acc"] * (trials["flops"] / target) ** -0.07
    assert np.allclose(trials["value"], expected)
    assert (trials["value"] != trials["valid_acc"]).all()


def test_hard_constraint_weight_rejects_nothing_below_target_and_halves_at_twice(tmp_path):
    from nasrun.objectives import MnasnetReward

    hard = MnasnetReward(target=10.0, alpha=0.0, beta=-1.0)
    assert hard.reward(0.8, 5.0) == 0.8 and hard.reward(0.8, 20.0) == pytest.approx(0.4)


def test_constraint_prunes_architectures_above_the_budget(tmp_path, nb201_dir):
    _, trials = _nb201(
        tmp_path,
        nb201_dir,
        "objective=constraint",
        "objective.cost=params",
        "objective.budget=500000",
        "search=random",
        "budget.trials=20",
    )
    assert (trials.loc[trials["state"] == "COMPLETE", "params"] <= 500_000).all()
    assert (trials.loc[trials["state"] == "PRUNED", "params"] > 500_000).all()
    assert (trials["state"] == "PRUNED").any()


def test_mnasnet_with_a_measured_cost_on_a_trained_space(tmp_path):
    experiment = make_experiment(
        tmp_path,
        "objective=mnasnet",
        "objective.cost=params",
        "objective.target=2000",
        "budget.trials=2",
        "search=ea",
    )
    summary = experiment.run()
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert summary["objective"]["name"] == "mnasnet_reward(params<=2000)"
    assert np.allclose(trials["value"], trials["valid_acc"] * (trials["params"] / 2000) ** -0.07)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (("objective=multi", "search=rl"), "multi-objective sampler"),
        (("objective=multi", "objective.costs=[watts]"), "unknown cost"),
        (("objective=mnasnet", "objective.target=0"), "must be positive"),
        (("objective=mnasnet", "objective.cost=params", "search=darts"), "one-shot"),
        (("objective=mnasnet",), "latency table"),  # chain has no latency table
    ],
)
def test_combinations_that_cannot_work_are_refused_before_a_study(tmp_path, overrides, message):
    with pytest.raises(NasrunError, match=message):
        make_experiment(tmp_path, *overrides)
