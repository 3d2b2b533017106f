"""Weight inheritance as an initializer: who the parent is, what is recorded, how long a child
trains. What carries over between two networks is the space's (tests/spaces)."""

from __future__ import annotations

import random

import optuna
import pytest

from nasrun.config import compose, instantiate
from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import LowFidelityEstimator, WeightInheritance, weight_inheritance
from nasrun.spaces import ChainSpace
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200, noise=0.3)
SPACE = ChainSpace(num_layers=3, num_filters=(6, 8), filter_sizes=(1, 3))


def test_children_inherit_and_train_fewer_epochs():
    estimator = weight_inheritance(SPACE, DATA, Trainer(batch_size=32), epochs=3, inherit_epochs=1)
    study = optuna.create_study(direction="maximize")
    rng = random.Random(0)
    parent_arch = SPACE.sample(rng)
    first = estimator.evaluate(parent_arch, study.ask())
    assert first.metrics["epochs"] == 3 and first.metrics["inherited_fraction"] == 0

    recorded = study.ask()
    recorded.set_user_attr("parent", 0)  # what search=ea's sampler records
    child = estimator.evaluate(SPACE.mutate(parent_arch, rng), recorded)
    assert child.metrics["epochs"] == 1 and child.fidelity.startswith("epochs=1")
    assert child.metrics["inherited_from"] == 0 and child.metrics["inherited_fraction"] > 0.3
    assert set(recorded.user_attrs) == {"parent"}  # the finding is in the Result only

    # Without a recorded parent, the closest evaluated architecture serves.
    nearest = estimator.evaluate(SPACE.mutate(parent_arch, rng), study.ask())
    assert nearest.metrics["epochs"] == 1

    distant = parent_arch
    while sum(a != b for a, b in zip(distant, parent_arch, strict=True)) < 3:
        distant = SPACE.sample(rng)
    assert estimator.evaluate(distant, study.ask()).metrics["epochs"] == 3


def test_a_pruned_trial_is_no_parent():
    initializer = WeightInheritance(epochs=1, max_distance=99)

    class PruneAll(optuna.pruners.BasePruner):
        def prune(self, study, trial):
            return True

    estimator = LowFidelityEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=2, initializer=initializer
    )
    study = optuna.create_study(direction="maximize", pruner=PruneAll())
    arch = SPACE.sample(random.Random(0))
    with pytest.raises(optuna.TrialPruned):
        estimator.evaluate(arch, study.ask())
    study.pruner = optuna.pruners.NopPruner()
    assert estimator.evaluate(arch, study.ask()).metrics["inherited_fraction"] == 0


def test_the_shell_keys_reach_the_initializer():
    cfg = compose(
        "estimator=weight_inheritance", "estimator.epochs=4", "estimator.inherit_epochs=2"
    )
    estimator = instantiate(
        cfg.estimator, "estimator", space=SPACE, dataset=DATA, trainer=Trainer()
    )
    assert (estimator.name, estimator.epochs, estimator.initializer.epochs) == (
        "weight_inheritance",
        4,
        2,
    )


def test_bad_settings_are_refused():
    with pytest.raises(NasrunError, match="inherit_epochs"):
        weight_inheritance(SPACE, DATA, Trainer(), epochs=2, inherit_epochs=3)
