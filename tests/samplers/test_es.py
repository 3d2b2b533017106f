"""OpenAI-ES: antithetic pairs, rank shaping, Adam on the mean of a relaxed search space."""

from __future__ import annotations

import numpy as np
import optuna

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.samplers import OpenAIESSampler
from nasrun.samplers._openai_es import NOISE_ATTR, centred_ranks
from tests.conftest import make_experiment

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    op = trial.suggest_categorical("op", ["a", "b", "c"])
    return -((x - 0.9) ** 2) - (np.log10(lr) + 3) ** 2 / 16 + (op == "c")


def _study(seed: int = 0, storage=None) -> optuna.Study:
    sampler = OpenAIESSampler(population_size=10, sigma=0.1, lr=0.05, seed=seed)
    return optuna.create_study(
        direction="maximize", sampler=sampler, storage=storage, study_name="es", load_if_exists=True
    )


def test_fitness_shaping_is_centred_ranks():
    assert centred_ranks(np.array([3.0, -100.0, 2.0])).tolist() == [0.5, -0.5, 0.0]


def test_pairs_are_antithetic_around_the_mean():
    study = _study()
    study.optimize(objective, n_trials=21)
    trials = study.trials
    for a, b in zip(trials[2:20:2], trials[3:21:2], strict=True):  # trial 0 draws uniformly
        assert a.user_attrs[NOISE_ATTR]["eps"] == b.user_attrs[NOISE_ATTR]["eps"]
    first = trials[2:10]  # generation 0: the mean is the middle of [0, 1]
    for k in range(0, len(first), 2):
        assert first[k].params["x"] + first[k + 1].params["x"] == np.float64(1.0)


def test_the_mean_climbs_towards_the_optimum():
    study = _study()
    study.optimize(objective, n_trials=200)
    first, last = study.trials[2:12], study.trials[-10:]
    assert np.mean([t.value for t in last]) > np.mean([t.value for t in first]) + 0.3
    assert sum(t.params["op"] == "c" for t in last) >= 8  # the relaxed choice settled on "c"


def test_a_resumed_run_with_another_seed_finishes_the_pair_it_found_open(tmp_path):
    storage = f"sqlite:///{tmp_path / 'es.db'}"
    _study(0, storage).optimize(objective, n_trials=5)  # trial 4 waits for its partner
    _study(7, storage).optimize(objective, n_trials=1)
    trials = optuna.load_study(study_name="es", storage=storage).trials
    assert trials[5].user_attrs[NOISE_ATTR] == trials[4].user_attrs[NOISE_ATTR]


def test_it_tunes_hyperparameters_from_the_config_and_resumes_its_study(tmp_path):
    args = ("search=es", "hpo=default", "hpo.epochs=[1,1]", "study=evolve")
    make_experiment(tmp_path, *args, "budget.trials=3").run()
    summary = make_experiment(tmp_path, *args, "budget.trials=5", run="again").run()
    assert summary["n_complete"] == 5


def test_it_runs_on_nb201_tables(tmp_path, nb201_dir):
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=es",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        "budget.trials=15",
        "storage=memory",
        "verbose=false",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 15
