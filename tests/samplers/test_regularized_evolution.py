"""Regularised evolution as a first-class Optuna sampler, in plain Optuna studies."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution

from nasrun.samplers import RegularizedEvolutionSampler
from nasrun.samplers._regularized_evolution import _mutate

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial: optuna.Trial) -> float:
    arch = sum(trial.suggest_categorical(f"op{i}", ["a", "b", "c"]) == "c" for i in range(5))
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    width = trial.suggest_int("width", 8, 64, step=8)
    if trial.suggest_categorical("optimizer", ["sgd", "adam"]) == "sgd":  # a conditional param
        trial.suggest_float("momentum", 0.0, 0.99)
    return arch - abs(math.log10(lr) + 2) + width / 64


def _study(seed: int = 0, storage=None, name=None) -> optuna.Study:
    sampler = RegularizedEvolutionSampler(population_size=8, sample_size=3, seed=seed)
    return optuna.create_study(
        direction="maximize", sampler=sampler, storage=storage, study_name=name, load_if_exists=True
    )


def test_children_differ_from_their_recorded_parent_in_exactly_one_parameter():
    study = _study()
    study.optimize(objective, n_trials=40)
    children = [t for t in study.trials if "parent" in t.user_attrs]
    assert len(children) == 40 - 8
    for child in children:
        parent = study.trials[child.user_attrs["parent"]]
        shared = set(parent.params) & set(child.params) - {"momentum"}
        assert sum(parent.params[k] != child.params[k] for k in shared) <= 1
        assert parent.number >= child.number - 8 - 1  # ageing: only recent trials are parents
    for t in study.trials:  # every distribution stays valid
        assert t.params["width"] % 8 == 0 and 1e-4 <= t.params["lr"] <= 1.0


def test_beats_random_search_on_average():
    evolved = [_study(s) for s in range(4)]
    random = [
        optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=s))
        for s in range(4)
    ]
    for study in evolved + random:
        study.optimize(objective, n_trials=60)
    assert sum(s.best_value for s in evolved) > sum(s.best_value for s in random)


def test_same_seed_same_trials():
    a, b = _study(3), _study(3)
    for study in (a, b):
        study.optimize(objective, n_trials=20)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]


def test_a_restarted_sampler_continues_the_same_search(tmp_path):
    storage = f"sqlite:///{tmp_path}/ea.db"
    uninterrupted = _study(1)
    uninterrupted.optimize(objective, n_trials=20)
    first = _study(1, storage, "s")
    first.optimize(objective, n_trials=12)
    resumed = _study(1, storage, "s")  # a new process: a fresh sampler, state read from the study
    resumed.optimize(objective, n_trials=8)
    assert [t.params for t in resumed.trials] == [t.params for t in uninterrupted.trials]


def test_failed_and_nan_trials_are_ignored():
    study = _study()
    study.optimize(lambda t: float("nan") if t.number % 3 == 0 else objective(t), n_trials=30)
    assert any(t.state == optuna.trial.TrialState.FAIL for t in study.trials)
    parents = {t.user_attrs["parent"] for t in study.trials if "parent" in t.user_attrs}
    assert all(study.trials[p].state == optuna.trial.TrialState.COMPLETE for p in parents)


def test_two_workers_share_one_study(tmp_path):
    storage = f"sqlite:///{tmp_path}/shared.db"
    one, two = _study(0, storage, "shared"), _study(1, storage, "shared")
    for _ in range(10):
        one.optimize(objective, n_trials=1)
        two.optimize(objective, n_trials=1)
    assert len(one.trials) == 20 and any("parent" in t.user_attrs for t in two.trials)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        RegularizedEvolutionSampler(population_size=2, sample_size=3)


def test_a_mutated_choice_is_always_another_choice():
    """By position: ``!=`` would keep NaN (NaN != NaN) and drop 1 along with True (True == 1)."""
    choices = [None, True, 2, 2.5, "s", float("nan")]
    distribution = CategoricalDistribution(choices)
    rng = np.random.RandomState(0)
    for index, value in enumerate(choices):
        for _ in range(20):
            mutated = _mutate(distribution, value, rng)
            assert distribution.to_internal_repr(mutated) != index
    pair = CategoricalDistribution([True, 1])  # True == 1: ``!=`` left nothing to pick from
    assert type(_mutate(pair, True, rng)) is int


def test_two_threads_share_one_study():
    study = _study()
    study.optimize(objective, n_trials=30, n_jobs=2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 30
    assert any("parent" in t.user_attrs for t in study.trials)
