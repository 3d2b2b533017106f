"""The chain space's weight inheritance: a function-preserving network morphism (what carries
over from parent to child, and that the child computes what its parent computed)."""

from __future__ import annotations

import pytest
import torch

from nasrun.spaces import ChainSpace

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
    fraction = SPACE.inherit(child, parent)
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
    assert SPACE.inherit(child, parent) > 0.5
    assert torch.allclose(child(X), parent(X), atol=1e-5)


def test_channels_line_up_by_source():
    space = ChainSpace(num_layers=3, num_filters=(6, 8), filter_sizes=(3,))
    # Removing layer 2's skip from layer 0 keeps its weights on layer 1's channels.
    parent, child = _pair(
        "conv3x3-8/1|conv3x3-6/1|conv3x3-6/1<0", "conv3x3-8/1|conv3x3-6/1|conv3x3-6/1", space
    )
    assert SPACE.inherit(child, parent) == 1.0
    assert torch.equal(child.layers[2].body[0].weight, parent.layers[2].body[0].weight[:, :6])

    # Layer 2 reads layer 1 then layer 0: 8 + 6 channels in the parent, 6 + 8 in the child. The
    # kernel's shape is the same, but copying it whole would mix the two sources up.
    parent, child = _pair(
        "conv3x3-6/1|conv3x3-8/1|conv3x3-8/1<0", "conv3x3-8/1|conv3x3-6/1|conv3x3-8/1<0", space
    )
    SPACE.inherit(child, parent)
    new, old = child.layers[2].body[0].weight, parent.layers[2].body[0].weight
    assert new.shape == old.shape
    assert torch.equal(new[:, :6], old[:, :6])  # layer 1's first 6 filters
    assert torch.equal(new[:, 6:12], old[:, 8:14])  # layer 0's 6 filters
    assert not new[:, 12:].any()  # layer 0's 2 new filters are read with zero weights
    new, old = child.layers[1].body[0].weight, parent.layers[1].body[0].weight
    assert torch.equal(new[:, :6], old[:6])  # 6 of layer 1's 8 filters, on layer 0's 6 channels
    assert not new[:, 6:].any()


def test_the_base_space_inherits_tensors_of_the_same_name_and_shape():
    from nasrun.spaces import NB201Space

    space = NB201Space(channels=4, cells_per_stage=1)
    parent = space.build(space.from_string(_NB201.format("nor_conv_3x3")), 3, (3, 8, 8))
    child = space.build(space.from_string(_NB201.format("nor_conv_1x1")), 3, (3, 8, 8))
    fraction = space.inherit(child, parent)
    assert 0.5 < fraction < 1.0  # all but the changed edge's conv
    assert torch.equal(child.stem[0].weight, parent.stem[0].weight)


_NB201 = "|{}~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"
