"""Learning-curve extrapolation: the curve ensemble and the Optuna pruner on real studies."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from nasrun.pruners import CurveExtrapolationPruner, extrapolate

EPOCHS = np.arange(1, 21)


def _curve(final: float, rate: float = 1.0, noise: float = 0.003, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return final - (final - 0.1) * EPOCHS ** (-rate) + rng.normal(0, noise, len(EPOCHS))


@pytest.mark.parametrize("seed", range(3))
def test_prediction_brackets_the_final_value(seed):
    curve = _curve(0.92, rate=1.3, seed=seed)
    for seen in (5, 8, 12):
        p = extrapolate(EPOCHS[:seen], curve[:seen], target=20)
        assert abs(p.mean - curve[-1]) < 3 * p.std, (seen, p, curve[-1])
    # More data, more certainty.
    assert extrapolate(EPOCHS[:12], curve[:12], 20).std < extrapolate(EPOCHS[:5], curve[:5], 20).std


def test_too_few_points_give_a_wide_prediction():
    p = extrapolate([1], [0.5], target=20)
    assert p.std >= 0.5 and p.probability_above(0.9) > 0.2


def _study_with_best(best: float) -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    study.add_trial(optuna.trial.create_trial(value=best, intermediate_values={20: best}))
    return study


def test_pruner_stops_a_hopeless_curve_and_keeps_a_promising_one():
    pruner = CurveExtrapolationPruner(max_resource=20, min_resource=4)
    study = _study_with_best(0.90)
    study.pruner = pruner
    bad, good = _curve(0.60, seed=1), _curve(0.95, seed=2)
    decisions = {}
    for name, curve in (("bad", bad), ("good", good)):
        trial = study.ask()
        for epoch in range(1, 9):
            trial.report(float(curve[epoch - 1]), epoch)
            if trial.should_prune():
                decisions[name] = epoch
                break
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    assert decisions.get("bad") == 4  # as soon as it may decide
    assert "good" not in decisions


def test_pruner_waits_for_a_complete_trial_and_min_resource_and_says_what_it_predicted():
    pruner = CurveExtrapolationPruner(max_resource=20, min_resource=4)
    study = optuna.create_study(direction="maximize")
    flat = optuna.trial.create_trial(
        state=optuna.trial.TrialState.RUNNING, intermediate_values={e: 0.1 for e in range(1, 5)}
    )
    assert not pruner.prune(study, flat) and pruner.metrics(study, flat) == {}  # no best yet
    study = _study_with_best(0.9)
    early = optuna.trial.create_trial(
        state=optuna.trial.TrialState.RUNNING, intermediate_values={1: 0.1, 2: 0.1}
    )
    assert not pruner.prune(study, early) and pruner.metrics(study, early) == {}
    assert pruner.prune(study, flat)
    metrics = pruner.metrics(study, flat)
    assert metrics.keys() == {"predicted_final", "predicted_std"} and metrics["predicted_std"] > 0


@pytest.mark.parametrize(("low", "high", "threshold"), [(4, 3, 0.1), (3, 3, 0.1), (1, 3, 1.0)])
def test_bad_settings_are_refused(low, high, threshold):
    with pytest.raises(ValueError):
        CurveExtrapolationPruner(max_resource=high, min_resource=low, threshold=threshold)
