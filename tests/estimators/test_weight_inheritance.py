"""Weight inheritance: what carries over from parent to child, and how long a child trains."""

from __future__ import annotations

import random

import optuna
import pytest
import torch

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import WeightInheritanceEstimator
from nasrun.estimators.weight_inheritance import inherit
from nasrun.spaces import ChainSpace
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200, noise=0.3)
SPACE = ChainSpace(num_layers=3, num_filters=(6, 8), filter_sizes=(1, 3))


def _mutant(arch, decision: str, value):
    params = SPACE.to_params(arch)
    params[decision] = value
    return SPACE.from_params(params)


def test_unchanged_layers_carry_over_and_the_changed_one_does_not():
    parent_arch = SPACE.from_string("conv3x3-6/1|conv3x3-6/1|conv3x3-6/1")
    child_arch = _mutant(parent_arch, "L1_kh", 1)  # only layer 1's kernel changes
    parent = SPACE.build(parent_arch, 4, (3, 8, 8))
    child = SPACE.build(child_arch, 4, (3, 8, 8))
    fraction = inherit(child, parent.state_dict())
    assert 0.5 < fraction < 1.0
    assert torch.equal(child.layers[0].body[0].weight, parent.layers[0].body[0].weight)
    assert torch.equal(child.layers[2].body[0].weight, parent.layers[2].body[0].weight)
    # The mutated layer has another shape, so it keeps its own initialisation.
    assert child.layers[1].body[0].weight.shape != parent.layers[1].body[0].weight.shape


def test_children_inherit_and_train_fewer_epochs():
    estimator = WeightInheritanceEstimator(
        SPACE, DATA, Trainer(batch_size=32), epochs=3, inherit_epochs=1
    )
    study = optuna.create_study(direction="maximize")
    rng = random.Random(0)
    parent_arch = SPACE.sample(rng)
    first = estimator.evaluate(parent_arch, study.ask())
    assert first.metrics["epochs"] == 3

    recorded = study.ask()
    recorded.set_user_attr("parent", 0)  # what search=ea records
    child = estimator.evaluate(SPACE.mutate(parent_arch, rng), recorded)
    assert child.metrics["epochs"] == 1 and child.fidelity.startswith("epochs=1")
    assert study.trials[1].user_attrs["inherited_from"] == 0
    assert study.trials[1].user_attrs["inherited_fraction"] > 0.3

    # Without a recorded parent, the closest evaluated architecture serves.
    nearest = estimator.evaluate(SPACE.mutate(parent_arch, rng), study.ask())
    assert nearest.metrics["epochs"] == 1

    distant = parent_arch
    while sum(a != b for a, b in zip(distant, parent_arch, strict=True)) < 3:
        distant = SPACE.sample(rng)
    assert estimator.evaluate(distant, study.ask()).metrics["epochs"] == 3


def test_bad_settings_are_refused():
    with pytest.raises(NasrunError, match="inherit_epochs"):
        WeightInheritanceEstimator(SPACE, DATA, Trainer(), epochs=2, inherit_epochs=3)
