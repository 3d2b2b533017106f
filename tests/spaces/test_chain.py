"""The chain space: size, neighbours, strides and malformed strings (the rest of the
space contract is in ``test_contract.py``)."""

from __future__ import annotations

import random

import pytest
import torch

from nasrun.errors import NasrunError
from nasrun.spaces import ChainSpace

SPACES = [
    ChainSpace(num_layers=3, num_filters=(4, 6), filter_sizes=(1, 3)),
    ChainSpace(
        num_layers=4,
        num_filters=(4,),
        filter_sizes=(1, 3, 5),
        strides=(1, 2),
        ops=("conv", "sep", "pool"),
    ),
    ChainSpace(num_layers=2, num_filters=(4,), skip_connections=False),
]


@pytest.mark.parametrize("space", SPACES)
def test_neighbours_differ_in_exactly_one_decision(space):
    arch = space.sample(random.Random(1))
    neighbours = list(space.neighbours(arch))
    assert len(set(neighbours)) == len(neighbours) > 0
    assert all(sum(a != b for a, b in zip(arch, n, strict=True)) == 1 for n in neighbours)


def test_networks_of_every_op_and_stride_train():
    rng = random.Random(0)
    for _ in range(6):
        arch = SPACES[1].sample(rng)
        out = SPACES[1].build(arch, 5, (2, 8, 8))(torch.randn(3, 2, 8, 8))
        assert out.shape == (3, 5)
        out.sum().backward()


def test_size_counts_every_architecture():
    space = ChainSpace(num_layers=3, num_filters=(4,), filter_sizes=(1, 3))
    # per layer: kh, kw in {1,3}; layer 2 has one skip anchor (from layer 0)
    assert space.size() == 4**3 * 2


@pytest.mark.parametrize(
    "text", ["conv3x3-4/1", "conv3x3-4/1|conv3x3-4/1|nope", "conv3x3-4/1|conv3x3-4/1<0|conv3x3-4/1"]
)
def test_malformed_strings_are_refused(text):
    with pytest.raises(NasrunError):
        SPACES[0].from_string(text)
