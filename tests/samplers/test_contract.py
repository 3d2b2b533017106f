"""The contract every search strategy keeps, checked against each sampler nasrun offers.

A new sampler is added to ``SAMPLERS`` and inherits every check: every kind of Optuna
distribution (values inside it, on its step grid, of its type), conditional and dynamic
parameters, determinism, NaN objectives, resume from a stored study, two workers on one SQLite
storage, two threads of one study (``n_jobs=2``) and pickling.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable

import optuna
import pytest
from optuna.samplers import (
    BaseSampler,
    CmaEsSampler,
    GPSampler,
    GridSampler,
    NSGAIISampler,
    RandomSampler,
    TPESampler,
)
from optuna.trial import FrozenTrial, TrialState

from nasrun.samplers import (
    FabolasSampler,
    MetaQNNSampler,
    OpenAIESSampler,
    PNASSampler,
    PPOSampler,
    PredictorSampler,
    RegularizedEvolutionSampler,
    ReinforceSampler,
)
from tests.samplers.checks import assert_valid

optuna.logging.set_verbosity(optuna.logging.ERROR)

KINDS = [None, True, 2, 2.5, "s"]  # a categorical of every choice type Optuna stores

# Every value the grid offers is valid for the distribution the objective declares.
GRID = {
    "op0": ["a", "b", "c"],
    "op1": ["a", "c"],
    "width": [8, 64],
    "offset": [-9, 9],
    "units": [1, 100],
    "lr": [1e-3, 0.1],
    "dropout": [0.0, 0.3],
    "shift": [-10.2, 10.2],
    "ratio": [0.2, 0.3],
    "mix": [0.25],
    "fixed": [1e-3],
    "kind": KINDS,
    "optimizer": ["sgd", "adam"],
    "momentum": [0.9],
    "n_layers": [1, 2],
    "layer0": ["conv", "pool"],
    "layer1": ["conv"],
}

SAMPLERS: dict[str, Callable[[int], BaseSampler]] = {
    "random": lambda seed: RandomSampler(seed=seed),
    "grid": lambda seed: GridSampler(GRID, seed=seed),
    "tpe": lambda seed: TPESampler(seed=seed, n_startup_trials=4, multivariate=True, group=True),
    "gp": lambda seed: GPSampler(seed=seed, n_startup_trials=3, warn_independent_sampling=False),
    "cmaes": lambda seed: CmaEsSampler(
        seed=seed, n_startup_trials=2, warn_independent_sampling=False
    ),
    "nsga2": lambda seed: NSGAIISampler(seed=seed, population_size=4),
    "ea": lambda seed: RegularizedEvolutionSampler(population_size=4, sample_size=2, seed=seed),
    "rl": lambda seed: ReinforceSampler(seed=seed, hidden_size=16),
    "ppo": lambda seed: PPOSampler(seed=seed, hidden_size=16, batch_size=2),
    "fabolas": lambda seed: FabolasSampler(seed=seed, n_startup_trials=9, raw_samples=16),
    "pnas": lambda seed: PNASSampler(seed=seed, beam_size=2, epochs=20),
    "predictor": lambda seed: PredictorSampler(seed=seed, n_initial=3, epochs=20),
    "metaqnn": lambda seed: MetaQNNSampler(seed=seed, schedule_trials=10, replay_size=8),
    "es": lambda seed: OpenAIESSampler(seed=seed, population_size=4),
}
# Samplers whose state is rebuilt from the study: a resumed run proposes exactly what an
# uninterrupted one would have.
STATELESS_RESUME = {"ea", "rl", "ppo", "pnas", "predictor", "metaqnn", "es"}
N_TRIALS = {"gp": 6}  # a GP fit per proposal: slow, so fewer trials


def objective(trial: optuna.Trial) -> float:
    """Every kind of distribution, a conditional parameter and a dynamic (variable-length) one."""
    score = sum(trial.suggest_categorical(f"op{i}", ["a", "b", "c"]) == "c" for i in (0, 1))
    width = trial.suggest_int("width", 8, 64, step=8)
    offset = trial.suggest_int("offset", -9, 9, step=3)
    units = trial.suggest_int("units", 1, 100, log=True)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    # low + k * step rounds past high here (-10.2 + 204 * 0.1, 0.2 + 0.1): values must be clipped
    shift = trial.suggest_float("shift", -10.2, 10.2, step=0.1)
    ratio = trial.suggest_float("ratio", 0.2, 0.3, step=0.1)
    mix = trial.suggest_float("mix", 0.0, 1.0)
    trial.suggest_float("fixed", 1e-3, 1e-3, log=True)  # single-valued, yet in the search space
    score += KINDS.index(trial.suggest_categorical("kind", KINDS)) / 4
    if trial.suggest_categorical("optimizer", ["sgd", "adam"]) == "sgd":
        score += trial.suggest_float("momentum", 0.0, 0.99)
    for i in range(trial.suggest_int("n_layers", 1, 2)):
        score += trial.suggest_categorical(f"layer{i}", ["conv", "pool"]) == "conv"
    score += offset / 9 - abs(shift - 3) / 10 + ratio
    return score + width / 64 - abs(math.log10(lr) + 2) + math.log(units) / 5 - dropout + mix


def _n(name: str) -> int:
    return N_TRIALS.get(name, 10)


def _check_values(trial: FrozenTrial) -> None:
    for param, value in trial.params.items():
        assert_valid(trial.distributions[param], value, param)


def _study(name: str, seed: int = 0, storage=None, study_name=None) -> optuna.Study:
    return optuna.create_study(
        direction="maximize",
        sampler=SAMPLERS[name](seed),
        storage=storage,
        study_name=study_name,
        load_if_exists=True,
    )


@pytest.fixture(scope="module", params=list(SAMPLERS))
def searched(request) -> tuple[str, optuna.Study]:
    """One study per sampler, shared by the checks that only read it."""
    study = _study(request.param)
    study.optimize(objective, n_trials=_n(request.param))
    return request.param, study


def test_every_value_lies_in_its_distribution(searched):
    name, study = searched
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * _n(name)
    for trial in study.trials:
        _check_values(trial)
        assert trial.params["width"] % 8 == 0 and trial.params["offset"] % 3 == 0


def test_conditional_and_dynamic_parameters_follow_their_condition(searched):
    _, study = searched
    for trial in study.trials:
        assert ("momentum" in trial.params) == (trial.params["optimizer"] == "sgd")
        layers = {p for p in trial.params if p.startswith("layer")}
        assert layers == {f"layer{i}" for i in range(trial.params["n_layers"])}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_gives_the_same_trials(name):
    a, b = _study(name, seed=3), _study(name, seed=3)
    for study in (a, b):
        study.optimize(objective, n_trials=_n(name))
    assert [t.params for t in a.trials] == [t.params for t in b.trials]


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_nan_and_failing_objectives_are_recorded_and_the_search_goes_on(name):
    def flaky(trial: optuna.Trial) -> float:
        value = objective(trial)
        if trial.number % 4 == 1:
            return float("nan")  # Optuna records FAIL: no value to learn from
        if trial.number % 4 == 2:
            raise ValueError("diverged")
        return value

    study = _study(name)
    study.optimize(flaky, n_trials=_n(name) + 4, catch=(ValueError,))
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) == sum(n % 4 in (1, 2) for n in range(len(states)))
    assert states.count(TrialState.COMPLETE) == len(states) - states.count(TrialState.FAIL)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_new_sampler_on_a_stored_study_continues_it(name, tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    n, first = _n(name), _n(name) // 2 + 1
    _study(name, 0, storage, "s").optimize(objective, n_trials=first)
    resumed = _study(name, 0, storage, "s")  # a new process: a fresh sampler reads the study
    resumed.optimize(objective, n_trials=n - first)
    assert [t.state for t in resumed.trials] == [TrialState.COMPLETE] * n
    if name in STATELESS_RESUME:
        uninterrupted = _study(name, 0)
        uninterrupted.optimize(objective, n_trials=n)
        assert [t.params for t in resumed.trials] == [t.params for t in uninterrupted.trials]


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_two_workers_share_one_storage(name, tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = _study(name, 0, storage, "shared"), _study(name, 1, storage, "shared")
    for _ in range(_n(name) // 2):  # interleaved, as two processes would be
        one.optimize(objective, n_trials=1)
        two.optimize(objective, n_trials=1)
    trials = optuna.load_study(study_name="shared", storage=storage).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * (2 * (_n(name) // 2))
    assert len({t.number for t in trials}) == len(trials)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
@pytest.mark.parametrize("name", list(SAMPLERS))
def test_two_threads_share_one_study(name, storage, tmp_path):
    """``n_jobs=2``: Optuna calls one sampler from two threads at once, in a plain study."""
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'threads.db'}"
    study = optuna.create_study(direction="maximize", sampler=SAMPLERS[name](0), storage=url)
    study.optimize(objective, n_trials=_n(name), n_jobs=2)  # a sampler error fails the test
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * _n(name)
    for trial in study.trials:
        _check_values(trial)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_pickled_sampler_carries_on(name):
    """Optuna's users pickle a sampler to resume a study; locks and caches must survive it."""
    study = _study(name)
    study.optimize(objective, n_trials=_n(name) // 2)
    study.sampler = pickle.loads(pickle.dumps(study.sampler))
    study.optimize(objective, n_trials=_n(name) - _n(name) // 2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * _n(name)
