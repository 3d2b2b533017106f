"""The curve_extrapolation estimator stops weak candidates early and records its prediction."""

from __future__ import annotations

import random

import optuna
import pytest

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import CurveExtrapolationEstimator
from nasrun.spaces import ChainSpace
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200, noise=0.3)
SPACE = ChainSpace(num_layers=2, num_filters=(8,), filter_sizes=(1, 3))


def test_a_candidate_that_cannot_win_is_stopped_with_a_prediction():
    estimator = CurveExtrapolationEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=8, min_epochs=3
    )
    study = optuna.create_study(direction="maximize")
    # A best trial nobody can beat on this data: the candidate stops as soon as it may.
    study.add_trial(optuna.trial.create_trial(value=1.0))
    trial = study.ask()
    with pytest.raises(optuna.TrialPruned):
        estimator.evaluate(SPACE.sample(random.Random(0)), trial)
    record = study.trials[-1]
    assert max(record.intermediate_values) == 3
    assert 0 <= record.user_attrs["predicted_final"] <= 1 and record.user_attrs["predicted_std"] > 0


def test_the_first_candidate_trains_to_the_end():
    estimator = CurveExtrapolationEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=4, min_epochs=2
    )
    study = optuna.create_study(direction="maximize")
    result = estimator.evaluate(SPACE.sample(random.Random(0)), study.ask())
    assert result.metrics["epochs"] == 4


def test_bad_settings_are_refused():
    with pytest.raises(NasrunError, match="min_epochs"):
        CurveExtrapolationEstimator(SPACE, DATA, Trainer(), epochs=3, min_epochs=3)
