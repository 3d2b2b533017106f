"""AutoML-Zero as a nasrun experiment: real Hydra configs, a real Optuna study, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nasrun.automl_zero import parse_algorithm
from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment

TINY = [
    "search.population_size=20",
    "search.batch_size=10",
    "search.progress_every=40",
    "search.max_individuals=200",
    "search.max_experiments=1",
    "estimator.search_tasks={num_tasks:2,train:20,valid:10}",
    "estimator.select_tasks={num_tasks:2,train:20,valid:10}",
    "estimator.final_tasks={num_tasks:2,train:20,valid:10}",
    "verbose=false",
]


def _experiment(tmp_path: Path, *overrides: str, run: str = "run") -> Experiment:
    cfg = compose(
        "experiment=automl_zero_linear", *TINY, f"output_root={tmp_path}/outputs",
        f"storage=sqlite:///{tmp_path}/outputs/nasrun.db", *overrides,
    )  # fmt: skip
    return Experiment.from_config(cfg, tmp_path / run)


def test_a_search_leaves_trials_a_best_algorithm_and_a_progress_curve(tmp_path):
    summary = _experiment(tmp_path).run()
    run = tmp_path / "run"
    trials = pd.read_csv(run / "trials.csv")
    assert list(trials["individuals"]) == [40, 80, 120, 160, 200]
    assert (trials["value"].diff().dropna() >= 0).all()  # best so far never falls
    assert summary["best_arch"].startswith("def Setup():")
    assert "def Setup():" in (run / "summary.md").read_text()
    assert (run / "progress.png").stat().st_size > 0
    assert summary["space"] == "automl_zero" and summary["dataset"] == "scalar_linear_regression"


def test_the_printed_best_algorithm_re_evaluates_to_its_recorded_fitness(tmp_path):
    # A threshold random programs pass, so that selection and the final evaluation happen.
    experiment = _experiment(tmp_path, "search.sufficient_fitness=0.2", "estimator.fec=null")
    summary = experiment.run()
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert trials["solved"].iloc[-1] == 1 and len(trials) == 1  # stopped once solved
    algorithm = parse_algorithm((tmp_path / "run" / "best_algorithm.txt").read_text())
    assert experiment.space.to_string(algorithm) == summary["best_arch"]
    estimator = experiment.estimator
    (final,) = estimator.evaluator.fitness([algorithm], estimator.tasks("final"))
    (search,) = estimator.evaluator.fitness([algorithm], estimator.tasks("search"))
    assert (final, search) == (summary["best_test_value"], summary["best_value"])


def test_random_search_and_the_nn_experiment_run(tmp_path):
    random = _experiment(tmp_path / "a", "search=automl_zero_random").run()
    assert random["search"] == "automl_zero_random" and random["n_complete"] == 5
    nn = _experiment(tmp_path / "b", "experiment=automl_zero_nn").run()
    assert nn["dataset"] == "scalar_2layer_nn_regression" and nn["n_complete"] == 5


def test_a_stopped_search_resumes_where_its_checkpoint_left_it(tmp_path):
    _experiment(tmp_path, "budget.trials=2", run="first").run()
    summary = _experiment(tmp_path, "budget.trials=4", run="second").run()
    trials = pd.read_csv(tmp_path / "second" / "trials.csv")
    assert list(trials["individuals"]) == [40, 80, 120, 160] and summary["n_complete"] == 4


def test_other_spaces_are_refused_before_any_work():
    with pytest.raises(NasrunError, match="needs space and estimator automl_zero"):
        Experiment.from_config(compose("search=automl_zero", "dataset=synthetic"), "unused")


@pytest.mark.slow
def test_a_killed_search_resumes(tmp_path):
    args = [sys.executable, "-m", "nasrun.cli.run", "experiment=automl_zero_linear", *TINY,
            "search.max_individuals=100000", f"output_root={tmp_path}/o",
            f"storage=sqlite:///{tmp_path}/o/nasrun.db"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([*args, f"hydra.run.dir={tmp_path}/first"], env=env)
    checkpoint = tmp_path / "o" / "checkpoints"
    deadline = time.time() + 300
    while time.time() < deadline and not any(
        json.loads(p.read_text())["population"]["individuals"] >= 400
        for p in checkpoint.glob("*.json")
    ):
        time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (path,) = checkpoint.glob("*.json")
    killed_at = json.loads(path.read_text())["population"]["individuals"]
    subprocess.run([*args, "search.max_individuals=100000", "budget.trials=" + str(killed_at // 40 + 2),
                    f"hydra.run.dir={tmp_path}/second"], env=env, check=True, timeout=300)  # fmt: skip
    trials = pd.read_csv(tmp_path / "second" / "trials.csv")
    assert trials["individuals"].max() == killed_at + 80  # continued, not started over


def test_an_unsolved_experiment_starts_over_on_new_tasks(tmp_path):
    overrides = ("search.max_individuals=60", "search.max_experiments=2")
    summary = _experiment(tmp_path, *overrides).run()
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert list(trials["individuals"]) == [40, 60, 80, 120]
    assert list(trials["experiment"]) == [0, 0, 1, 1] and summary["n_complete"] == 4
