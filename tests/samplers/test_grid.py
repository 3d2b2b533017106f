"""``grid_sampler``: Optuna's GridSampler over a space's every architecture, in any study."""

from __future__ import annotations

import optuna
import pytest

from nasrun.errors import NasrunError
from nasrun.samplers import grid_sampler
from nasrun.spaces import ChainSpace

optuna.logging.set_verbosity(optuna.logging.ERROR)

# str, int and bool choices, a single-choice decision (strides) and conditional-free skips.
SPACE = ChainSpace(num_layers=3, filter_sizes=(1, 3), num_filters=(8, 16), ops=("conv", "pool"))


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_two_threads_walk_the_grid_with_valid_architectures(storage, tmp_path):
    url = None if storage == "memory" else f"sqlite:///{tmp_path / 'grid.db'}"
    study = optuna.create_study(sampler=grid_sampler(SPACE, seed=0), storage=url)
    study.optimize(lambda t: len(SPACE.to_string(SPACE.suggest(t))), n_trials=12, n_jobs=2)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 12
    for trial in study.trials:
        arch = SPACE.from_params(trial.params)  # every value is one of its decision's choices
        assert [type(v) for v in arch] == [type(d.choices[0]) for d in SPACE.decisions]


def test_a_small_space_is_enumerated_exactly_once():
    space = ChainSpace(num_layers=2, filter_sizes=(1, 3), num_filters=(8,), skip_connections=False)
    study = optuna.create_study(sampler=grid_sampler(space, seed=0))
    study.optimize(lambda t: float(len(space.suggest(t))), n_trials=100)
    archs = [space.from_params(t.params) for t in study.trials]
    assert len(archs) == len(set(archs)) == space.size()  # the sampler stops the study itself


def test_a_space_too_large_to_enumerate_is_refused():
    with pytest.raises(NasrunError, match="max_size"):
        grid_sampler(SPACE, max_size=10)
