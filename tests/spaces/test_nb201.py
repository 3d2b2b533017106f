"""The NAS-Bench-201 space: ops, the benchmark's enumeration order, network size, strings."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from nasrun.errors import NasrunError
from nasrun.spaces import NB201Space
from nasrun.spaces.nb201 import NB201_OPS
from nasrun.training import count_params

SPACE = NB201Space(channels=4, cells_per_stage=1)


@pytest.mark.parametrize("name", sorted(NB201_OPS))
def test_every_op_runs_forward_and_backward(name):
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    y = NB201_OPS[name](4)(x)
    assert y.shape == x.shape
    (y.sum() + x.sum()).backward()


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
