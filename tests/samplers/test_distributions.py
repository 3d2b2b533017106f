"""Every Optuna distribution, drawn and encoded by what nasrun's samplers share.

Checked exhaustively rather than by chance: every grid position, the very ends of every range,
every token of the policy's encoding, and the relative proposals of each sampler.
"""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from nasrun.samplers import PPOSampler, RegularizedEvolutionSampler, ReinforceSampler
from nasrun.samplers._distributions import (
    Encoding,
    _from_unit,
    _grid_count,
    has_alternative,
    uniform_value,
)
from tests.samplers.checks import assert_valid

optuna.logging.set_verbosity(optuna.logging.ERROR)

CATALOGUE: dict[str, BaseDistribution] = {
    "float": FloatDistribution(-1.5, 2.5),
    "float_log": FloatDistribution(1e-5, 1e2, log=True),
    "float_step": FloatDistribution(-10.2, 10.2, step=0.1),  # -10.2 + 204 * 0.1 > 10.2
    "float_step_pair": FloatDistribution(0.2, 0.3, step=0.1),  # 0.2 + 0.1 > 0.3
    "float_step_wide": FloatDistribution(-1e4, 1e4, step=0.1),  # binned, not enumerated
    "float_single": FloatDistribution(0.5, 0.5),
    "float_log_single": FloatDistribution(1e-3, 1e-3, log=True),
    "float_step_single": FloatDistribution(0.3, 0.3, step=0.1),
    "int": IntDistribution(-3, 4),
    "int_step": IntDistribution(-9, 9, step=3),
    "int_log": IntDistribution(1, 1000, log=True),
    "int_log_small": IntDistribution(1, 4, log=True),
    "int_wide": IntDistribution(-(10**9), 10**9),
    "int_single": IntDistribution(3, 3),
    "mixed": CategoricalDistribution([None, True, 2, 2.5, "s"]),
    "nan_choice": CategoricalDistribution([float("nan"), 1.5, "x"]),
    "one_choice": CategoricalDistribution(["only"]),
}
NUMERIC = {n: d for n, d in CATALOGUE.items() if not isinstance(d, CategoricalDistribution)}
# Integer and stepped ranges short enough to walk, log ones aside (they are drawn, not walked).
GRIDS = {n: d for n, d in NUMERIC.items() if not d.log and (_grid_count(d) or 10**6) <= 10**5}


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_uniform_draws_are_valid(name):
    rng = np.random.RandomState(0)
    for _ in range(500):
        assert_valid(CATALOGUE[name], uniform_value(CATALOGUE[name], rng), name)


@pytest.mark.parametrize("name", list(NUMERIC))
def test_the_very_ends_of_every_range_are_valid(name):
    distribution = NUMERIC[name]
    below_one = np.nextafter(1.0, 0.0)
    for u in (0.0, 1e-300, 0.5, below_one):
        assert_valid(distribution, _from_unit(distribution, u), name)
    assert _from_unit(distribution, below_one) == pytest.approx(distribution.high, rel=1e-9)


@pytest.mark.parametrize("name", list(GRIDS))
def test_every_grid_position_is_valid(name):
    """A walk over the whole grid: each position's value holds, the last one is ``high``."""
    distribution = GRIDS[name]
    count = _grid_count(distribution)
    values = [_from_unit(distribution, (i + 0.5) / count) for i in range(count)]
    for value in values:
        assert_valid(distribution, value, name)
    assert values[-1] == distribution.high and len(set(values)) == count


@pytest.mark.parametrize("n_bins", [2, 10])
def test_every_token_decodes_to_a_valid_value_that_encodes_back(n_bins):
    encoding = Encoding(CATALOGUE, n_bins)
    rng = np.random.RandomState(0)
    for _ in range(20):  # decoding a bin draws inside it: a few draws per token
        for token in range(max(encoding.sizes)):
            tokens = [min(token, size - 1) for size in encoding.sizes]
            params = encoding.decode(tokens, rng)
            for name, value in params.items():
                assert_valid(CATALOGUE[name], value, name)
            back_again = encoding.encode(params)
            for name, back, drawn in zip(encoding.names, back_again, tokens, strict=True):
                assert abs(back - drawn) <= _slack(CATALOGUE[name], n_bins), name


SAMPLERS = {
    "ea": lambda: RegularizedEvolutionSampler(population_size=4, sample_size=2, seed=0),
    "rl": lambda: ReinforceSampler(seed=0, hidden_size=8, n_bins=4),
    "ppo": lambda: PPOSampler(seed=0, hidden_size=8, n_bins=4, batch_size=2),
}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_relative_proposals_are_valid_on_every_distribution(name):
    """Optuna quietly replaces an invalid relative value, so the proposals are checked here."""
    sampler = SAMPLERS[name]()
    study = optuna.create_study(sampler=sampler)
    for _ in range(30):
        trial = study.ask(CATALOGUE)
        for param, value in trial.params.items():
            assert_valid(CATALOGUE[param], value, param)
        frozen = study._storage.get_trial(trial._trial_id)
        space = sampler.infer_relative_search_space(study, frozen)
        for param, value in sampler.sample_relative(study, frozen, space).items():
            assert_valid(CATALOGUE[param], value, param)
        study.tell(trial, sum(_as_number(v) for v in trial.params.values()))
    assert len(space) == len(CATALOGUE)


def _slack(distribution: BaseDistribution, n_bins: int) -> int:
    """How far a decoded value's token may lie from the token it was decoded from."""
    if not has_alternative(distribution):
        return n_bins  # a single-valued float keeps n_bins tokens, all of one value
    count = None if isinstance(distribution, CategoricalDistribution) else _grid_count(distribution)
    # An integer or step value binned with others may straddle a bin edge: it encodes to the
    # bin that holds its centre, which can be the neighbour of the bin it was drawn from.
    return 1 if count is not None and count > n_bins else 0


def _as_number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else 0.0
