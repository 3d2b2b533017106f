"""Low-fidelity estimation with a real Optuna trial and pruner."""

from __future__ import annotations

import random

import optuna
import pytest

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import LowFidelityEstimator
from nasrun.spaces import ChainSpace, DagSpace, NB201Space
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200)
SPACE = ChainSpace(num_layers=2, num_filters=(8,), filter_sizes=(1, 3))


def test_evaluate_reports_each_epoch_and_records_costs():
    estimator = LowFidelityEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=2, train_fraction=0.5
    )
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    result = estimator.evaluate(SPACE.sample(random.Random(0)), trial)
    assert 0 <= result.value <= 1 and 0 <= result.test_value <= 1
    assert result.metrics["epochs"] == 2 and result.params > 0 and result.flops > 0
    assert result.fidelity == "epochs=2,data=0.5"
    assert study.trials[0].intermediate_values.keys() == {1, 2}


def test_a_pruner_stops_training():
    class PruneAll(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    estimator = LowFidelityEstimator(SPACE, DATA, Trainer(batch_size=32), epochs=3)
    study = optuna.create_study(direction="maximize", pruner=PruneAll())
    trial = study.ask()
    with pytest.raises(optuna.TrialPruned):
        estimator.evaluate(SPACE.sample(random.Random(0)), trial)
    assert list(study.trials[0].intermediate_values) == [1]


def test_bad_settings_are_refused():
    with pytest.raises(NasrunError, match="epochs"):
        LowFidelityEstimator(SPACE, DATA, Trainer(), epochs=0)


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
