"""The chain space: decisions, strings, mutation and networks."""

from __future__ import annotations

import random

import optuna
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
def test_strings_round_trip_and_networks_train(space):
    rng = random.Random(0)
    for _ in range(10):
        arch = space.sample(rng)
        assert space.from_string(space.to_string(arch)) == arch
        model = space.build(arch, num_classes=5, input_shape=(2, 8, 8))
        out = model(torch.randn(3, 2, 8, 8))
        assert out.shape == (3, 5)
        out.sum().backward()
        assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("space", SPACES)
def test_mutation_changes_exactly_one_decision(space):
    rng = random.Random(1)
    arch = space.sample(rng)
    for _ in range(20):
        child = space.mutate(arch, rng)
        assert sum(a != b for a, b in zip(arch, child, strict=True)) == 1
        arch = child
    assert all(
        sum(a != b for a, b in zip(arch, n, strict=True)) == 1 for n in space.neighbours(arch)
    )


def test_suggest_is_define_by_run():
    space = SPACES[0]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    arch = space.suggest(trial)
    assert space.from_params(trial.params) == arch
    assert set(trial.params) == {d.name for d in space.decisions}


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
