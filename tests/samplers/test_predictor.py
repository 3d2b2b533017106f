"""Predictor-guided search (BANANAS / NPENAS): mutations of the best, ranked by an ensemble."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.samplers import PredictorSampler
from nasrun.samplers._surrogate import EnsemblePredictor
from nasrun.spaces import NB201Space
from tests.conftest import make_experiment

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = NB201Space()
SCORE = {"none": 0.0, "skip_connect": 0.3, "avg_pool_3x3": 0.2, "nor_conv_1x1": 0.6}


def objective(trial: optuna.Trial) -> float:
    return sum((1 + i / 10) * SCORE.get(op, 1.0) for i, op in enumerate(SPACE.suggest(trial)))


def _study(seed: int, acquisition: str = "its") -> optuna.Study:
    sampler = PredictorSampler(n_initial=5, epochs=50, acquisition=acquisition, seed=seed)
    return optuna.create_study(direction="maximize", sampler=sampler)


def test_the_ensemble_learns_a_function_and_is_unsure_away_from_its_data():
    rng = np.random.RandomState(0)
    x = rng.randint(0, 2, size=(40, 8)).astype(np.float32)
    y = x @ np.arange(8) + 0.01 * rng.randn(40)
    predictor = EnsemblePredictor(epochs=200, seed=0).fit(x, y)
    mean, std = predictor.predict(x)
    assert np.corrcoef(mean, y)[0, 1] > 0.95
    _, far = predictor.predict(10 * np.ones((1, 8), dtype=np.float32))
    assert far[0] > std.mean()  # the members disagree where they saw nothing
    again, _ = EnsemblePredictor(epochs=200, seed=0).fit(x, y).predict(x)
    assert np.array_equal(mean, again)  # same data and seed: the same predictor


@pytest.mark.parametrize("acquisition", ["its", "ucb"])
def test_after_the_random_start_each_trial_is_a_new_mutant_of_a_best_trial(acquisition):
    study = _study(0, acquisition)
    study.optimize(objective, n_trials=20)
    trials = study.trials
    assert len({tuple(t.params.values()) for t in trials[5:]}) == 15
    for t in trials[5:]:
        earlier = trials[: t.number]
        distance = min(sum(t.params[k] != s.params[k] for k in t.params) for s in earlier)
        assert distance == 1  # one decision away from an evaluated cell


def test_it_beats_random_search_on_average():
    guided = [_study(s) for s in range(2)]
    rand = [
        optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=s))
        for s in range(2)
    ]
    for study in guided + rand:
        study.optimize(objective, n_trials=25)
    assert sum(s.best_value for s in guided) > sum(s.best_value for s in rand)


def test_it_runs_on_chain_from_the_config_and_resumes_its_study(tmp_path):
    args = ("search=predictor", "search.sampler.n_initial=2", "study=guided")
    make_experiment(tmp_path, *args, "budget.trials=3").run()
    summary = make_experiment(tmp_path, *args, "budget.trials=5", run="again").run()
    assert summary["n_complete"] == 5


def test_it_runs_on_nb201_tables(tmp_path, nb201_dir):
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=predictor",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        "budget.trials=15",
        "storage=memory",
        "verbose=false",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 15 and summary["best_value"] > 0.8
