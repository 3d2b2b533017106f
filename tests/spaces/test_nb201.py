"""The NAS-Bench-201 space: strings, enumeration order, network, supernet."""

from __future__ import annotations

import random

import pandas as pd
import pytest
import torch

from nasrun.errors import NasrunError
from nasrun.layers.nb201_ops import NB201_OPS
from nasrun.spaces import NB201Space
from nasrun.training import count_params

SPACE = NB201Space(channels=4, cells_per_stage=1)


@pytest.mark.parametrize("name", sorted(NB201_OPS))
def test_every_op_runs_forward_and_backward(name):
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    y = NB201_OPS[name](4)(x)
    assert y.shape == x.shape
    (y.sum() + x.sum()).backward()


def test_samples_round_trip_mutate_and_train():
    rng = random.Random(0)
    arch = SPACE.sample(rng)
    for _ in range(8):
        assert SPACE.from_string(SPACE.to_string(arch)) == arch
        SPACE.build(arch, 3, (1, 8, 8))(torch.randn(2, 1, 8, 8)).sum().backward()
        child = SPACE.mutate(arch, rng)
        assert sum(a != b for a, b in zip(arch, child, strict=True)) == 1
        arch = child


def test_the_space_enumerates_the_benchmarks_15625_cells_in_index_order(nb201_dir):
    ours = [SPACE.to_string(a) for a in SPACE.benchmark_order()]
    assert len(set(ours)) == SPACE.size() == 15_625
    full = pd.read_csv(nb201_dir / "nb201" / "nats_bench.csv", usecols=["ArchitectureString"])
    assert ours == full["ArchitectureString"].tolist()
    mini = pd.read_csv(nb201_dir / "nb201" / "mini-bench-arch-cell-accs.csv")
    assert ours == mini.sort_values("arch")["cellstr"].tolist()


def test_the_resnet_cell_has_nb201s_size():
    space = NB201Space()
    arch = space.from_string(
        "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"
    )
    assert round(count_params(space.build(arch, 10, (3, 32, 32))) / 1e6, 3) == 0.559


def test_supernet_derives_a_valid_arch_and_runs_single_paths():
    net = SPACE.supernet(3, (1, 8, 8))
    x = torch.randn(2, 1, 8, 8)
    net(x).sum().backward()
    assert net.alphas.grad is not None
    arch = net.derive()
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    assert net(x, arch=arch).shape == (2, 3)


@pytest.mark.parametrize(
    "text",
    [
        "|nor_conv_3x3~0|",
        "|nope~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
    ],
)
def test_malformed_strings_are_refused(text):
    with pytest.raises(NasrunError):
        SPACE.from_string(text)
