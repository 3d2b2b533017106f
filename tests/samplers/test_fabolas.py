"""FABOLAS on a cheap synthetic multi-fidelity objective: small fractions first, knowledge-
gradient proposals inside the fidelity range, the incumbent re-run on full data."""

from __future__ import annotations

import optuna
import pytest

from nasrun.samplers import FabolasSampler

optuna.logging.set_verbosity(optuna.logging.ERROR)


def objective(trial: optuna.Trial) -> float:
    """Best at x = 0.7; a small fraction s scores lower and costs less (cost_s ~ s)."""
    x = trial.suggest_float("x", 0.0, 1.0)
    s = trial.suggest_float("data_fraction", 1 / 16, 1.0, log=True)
    trial.set_user_attr("cost_s", 0.05 + s)
    return 1 - (x - 0.7) ** 2 - 0.3 * (1 - s)


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    sampler = FabolasSampler(
        n_startup_trials=4,
        incumbent_every=3,
        num_fantasies=4,
        num_restarts=2,
        raw_samples=16,
        seed=0,
    )
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=6)
    return study


def test_the_initial_design_uses_the_smallest_fractions(study):
    fractions = [t.params["data_fraction"] for t in study.trials[:4]]
    assert fractions == pytest.approx([1 / 16, 1 / 8, 1 / 4, 1 / 2, 1 / 16][:4])


def test_proposals_stay_in_range_and_the_incumbent_runs_on_full_data(study):
    later = study.trials[4:]
    assert all(1 / 16 <= t.params["data_fraction"] <= 1.0 for t in later)
    # trials 5 (and 8) are incumbent re-runs: the best posterior mean, at s = 1
    incumbent = study.trials[5]
    assert incumbent.params["data_fraction"] == 1.0
    evaluated = [t.params["x"] for t in study.trials[:5]]
    assert incumbent.params["x"] in evaluated


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="incumbent_every"):
        FabolasSampler(incumbent_every=1)
