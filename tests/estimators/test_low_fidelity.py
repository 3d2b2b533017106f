"""Low-fidelity estimation: what it records, and the pruners and stoppers that end it early.

What every estimator must do (a Result, no trial attributes, seeds) is in test_contract.py.
"""

from __future__ import annotations

import random

import optuna
import pytest

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import LowFidelityEstimator, Pruned
from nasrun.pruners import CurveExtrapolationPruner
from nasrun.spaces import ChainSpace, DagSpace, NB201Space
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200, noise=0.3)
SPACE = ChainSpace(num_layers=2, num_filters=(8,), filter_sizes=(1, 3))
ARCH = SPACE.sample(random.Random(0))


class PruneAll(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return True


def test_evaluate_reports_each_epoch_and_records_its_fidelity():
    estimator = LowFidelityEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=2, train_fraction=0.5
    )
    study = optuna.create_study(direction="maximize")
    seen = []
    result = estimator.evaluate(ARCH, study.ask(), on_epoch=seen.append)
    assert 0 <= result.value <= 1 and 0 <= result.test_value <= 1
    assert result.metrics["epochs"] == 2 and [s.epoch for s in seen] == [1, 2]
    assert result.fidelity == "epochs=2,data=0.5"
    assert study.trials[0].intermediate_values.keys() == {1, 2}


def test_the_searchs_pruner_stops_training_and_the_epochs_trained_are_kept():
    estimator = LowFidelityEstimator(SPACE, DATA, Trainer(batch_size=32), epochs=3)
    study = optuna.create_study(direction="maximize", pruner=PruneAll())
    with pytest.raises(Pruned) as pruned:
        estimator.evaluate(ARCH, study.ask())
    assert list(study.trials[0].intermediate_values) == [1]
    assert pruned.value.result.metrics["epochs"] == 1


def test_a_stopper_composes_with_the_searchs_pruner_and_its_prediction_is_kept():
    stopper = CurveExtrapolationPruner(max_resource=8, min_resource=3, threshold=0.1)
    estimator = LowFidelityEstimator(SPACE, DATA, Trainer(batch_size=32), epochs=8, stopper=stopper)
    # The search prunes nothing; a best trial nobody can beat: the stopper ends the candidate
    # as soon as it may decide.
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.NopPruner())
    study.add_trial(optuna.trial.create_trial(value=1.0))
    trial = study.ask()
    with pytest.raises(Pruned) as pruned:
        estimator.evaluate(ARCH, trial)
    metrics = pruned.value.result.metrics
    assert metrics["epochs"] == 3 and max(study.trials[-1].intermediate_values) == 3
    assert 0 <= metrics["predicted_final"] <= 1 and metrics["predicted_std"] > 0
    assert trial.user_attrs == {}


def test_the_first_candidate_trains_to_the_end_despite_the_stopper():
    stopper = CurveExtrapolationPruner(max_resource=4, min_resource=2)
    estimator = LowFidelityEstimator(SPACE, DATA, Trainer(batch_size=32), epochs=4, stopper=stopper)
    result = estimator.evaluate(ARCH, optuna.create_study(direction="maximize").ask())
    assert result.metrics["epochs"] == 4
    # A searched training length would not match the stopper's final epoch.
    assert "epochs" not in estimator.tunable and "lr" in estimator.tunable


def test_a_trials_training_length_replaces_the_estimators():
    estimator = LowFidelityEstimator(SPACE, DATA, Trainer(batch_size=32), epochs=3)
    trial = optuna.create_study(direction="maximize").ask()
    result = estimator.evaluate(ARCH, trial, {"epochs": 1, "lr": 0.01, "optimizer": "adam"})
    assert result.metrics["epochs"] == 1 and result.fidelity.startswith("epochs=1,")
    assert estimator.epochs == 3  # nothing copied or changed on the estimator


@pytest.mark.parametrize(
    ("settings", "message"), [({"epochs": 0}, "epochs"), ({"train_fraction": 0}, "train_fraction")]
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(NasrunError, match=message):
        LowFidelityEstimator(SPACE, DATA, Trainer(), **settings)


def test_a_narrower_shallower_lower_resolution_proxy_is_trained_and_recorded():
    space = DagSpace(channels=8, layers=5)
    data = Synthetic(num_classes=4, image_size=16, num_examples=120)
    arch = space.sample(random.Random(0))

    def evaluate(**proxy):
        estimator = LowFidelityEstimator(space, data, Trainer(batch_size=32), epochs=1, **proxy)
        return estimator.evaluate(arch, optuna.create_study(direction="maximize").ask())

    full = evaluate()
    proxy = evaluate(channels=4, cells=2, resolution=8)
    assert proxy.fidelity == "epochs=1,data=1,channels=4,cells=2,resolution=8"
    assert proxy.params < full.params / 2  # the proxy network, not the space's
    assert proxy.flops < full.flops / 8  # 4x fewer pixels, narrower, fewer cells
    assert space.channels == 8 and data.input_shape == (3, 16, 16)  # the originals untouched


@pytest.mark.parametrize(
    ("space", "proxy", "message"),
    [
        (SPACE, {"channels": 4}, "architecture decisions"),
        (NB201Space(), {"cells": 4}, "multiple of 3"),
        (DagSpace(), {"channels": 0}, "at least 1"),
        (DagSpace(), {"resolution": 0}, "at least 1 pixel"),
    ],
)
def test_a_proxy_a_space_cannot_have_is_refused(space, proxy, message):
    with pytest.raises(NasrunError, match=message):
        LowFidelityEstimator(space, DATA, Trainer(), **proxy)
