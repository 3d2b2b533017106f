"""Weight inheritance: what carries over from parent to child, and how long a child trains."""

from __future__ import annotations

import random

import optuna
import pytest
import torch

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import WeightInheritanceEstimator
from nasrun.estimators.weight_inheritance import channel_layout, inherit
from nasrun.spaces import ChainSpace
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=200, noise=0.3)
SPACE = ChainSpace(num_layers=3, num_filters=(6, 8), filter_sizes=(1, 3))


def _pair(parent: str, child: str, space=SPACE):
    """A parent network with non-trivial BN statistics, and a fresh child network."""
    parent_net = space.build(space.from_string(parent), 4, (3, 8, 8)).eval()
    child_net = space.build(space.from_string(child), 4, (3, 8, 8)).eval()
    with torch.no_grad():
        for module in parent_net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_()
                module.running_var.uniform_(0.5, 2.0)
                module.weight.normal_()
    return parent_net, child_net


X = torch.randn(8, 3, 8, 8, generator=torch.Generator().manual_seed(0))


def test_unchanged_layers_carry_over_and_a_changed_kernel_keeps_its_centre():
    parent, child = _pair(
        "conv3x3-6/1|conv3x3-6/1|conv3x3-6/1", "conv3x3-6/1|conv1x3-6/1|conv3x3-6/1"
    )
    fraction = inherit(child, parent.state_dict())
    assert fraction == 1.0  # a 1x3 kernel is the middle row of a 3x3 one
    assert torch.equal(child.layers[0].body[0].weight, parent.layers[0].body[0].weight)
    assert torch.equal(child.layers[2].body[0].weight, parent.layers[2].body[0].weight)
    assert torch.equal(child.layers[1].body[0].weight, parent.layers[1].body[0].weight[:, :, 1:2])
    # Batch-norm running statistics carry over with the weights.
    assert torch.equal(child.layers[1].body[1].running_var, parent.layers[1].body[1].running_var)


@pytest.mark.parametrize(
    "child",
    [
        "conv3x3-6/1|conv3x3-6/1|conv3x3-6/1",  # a grown kernel
        "conv3x3-6/1|conv1x1-6/1|conv3x3-6/1<0",  # a new skip connection
        "conv3x3-8/1|conv1x1-6/1|conv3x3-6/1",  # a wider layer
        "conv3x3-6/1|conv1x1-8/1|conv3x3-6/1",  # a wider layer
        "conv3x3-6/1|conv1x1-6/1|conv3x3-8/1",  # a wider last layer (the classifier's input)
    ],
)
def test_growing_mutations_preserve_the_parents_function(child):
    parent, child = _pair("conv3x3-6/1|conv1x1-6/1|conv3x3-6/1", child)
    assert inherit(child, parent.state_dict(), channel_layout(parent)) > 0.5
    assert torch.allclose(child(X), parent(X), atol=1e-5)


def test_channels_line_up_by_source():
    space = ChainSpace(num_layers=3, num_filters=(6, 8), filter_sizes=(3,))
    # Removing layer 2's skip from layer 0 keeps its weights on layer 1's channels.
    parent, child = _pair(
        "conv3x3-8/1|conv3x3-6/1|conv3x3-6/1<0", "conv3x3-8/1|conv3x3-6/1|conv3x3-6/1", space
    )
    assert inherit(child, parent.state_dict(), channel_layout(parent)) == 1.0
    assert torch.equal(child.layers[2].body[0].weight, parent.layers[2].body[0].weight[:, :6])

    # Layer 2 reads layer 1 then layer 0: 8 + 6 channels in the parent, 6 + 8 in the child. The
    # kernel's shape is the same, but copying it whole would mix the two sources up.
    parent, child = _pair(
        "conv3x3-6/1|conv3x3-8/1|conv3x3-8/1<0", "conv3x3-8/1|conv3x3-6/1|conv3x3-8/1<0", space
    )
    inherit(child, parent.state_dict(), channel_layout(parent))
    new, old = child.layers[2].body[0].weight, parent.layers[2].body[0].weight
    assert new.shape == old.shape
    assert torch.equal(new[:, :6], old[:, :6])  # layer 1's first 6 filters
    assert torch.equal(new[:, 6:12], old[:, 8:14])  # layer 0's 6 filters
    assert not new[:, 12:].any()  # layer 0's 2 new filters are read with zero weights
    new, old = child.layers[1].body[0].weight, parent.layers[1].body[0].weight
    assert torch.equal(new[:, :6], old[:6])  # 6 of layer 1's 8 filters, on layer 0's 6 channels
    assert not new[:, 6:].any()


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
