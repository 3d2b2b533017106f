"""SNAS on the cell spaces (tiny CPU runs): it derives valid genotypes, and its resource term
steers the derived network towards fewer FLOPs as its weight grows."""

from __future__ import annotations

from functools import partial

import optuna
import pytest
import torch

from nasrun.budget import Budget
from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import OneShotEstimator
from nasrun.oneshot import SnasSearcher
from nasrun.search import OneShotSearch, Recorder
from nasrun.spaces import DagSpace, NasnetCellSpace
from nasrun.training import Trainer, count_flops

DATA = Synthetic(num_classes=3, channels=1, image_size=8, num_examples=120, noise=0.3)
SPACES = {
    "dag": DagSpace(num_nodes=2, channels=4, layers=3),
    "nasnet_cell": NasnetCellSpace(num_blocks=3, cells_per_stage=1, channels=4),
}


def _search(space, tmp_path, epochs=1, **searcher):
    search = OneShotSearch(
        SnasSearcher(**searcher), epochs=epochs, batch_size=32, checkpoint_dir=str(tmp_path)
    )
    study = optuna.create_study(direction="maximize")
    recorder = Recorder(space, "valid_acc", tmp_path / "run", verbose=False)
    search.run(study, space, OneShotEstimator(space, DATA, Trainer()), Budget(trials=1), recorder)
    return space.from_params(study.trials[-1].params)


@pytest.mark.parametrize("name", SPACES)
def test_snas_derives_a_valid_genotype(tmp_path, name):
    space = SPACES[name]
    # The resource term is measured per candidate op: kept to the smaller cell for speed.
    arch = _search(space, tmp_path, resource_weight=1.0 if name == "dag" else 0.0)
    assert space.from_string(space.to_string(arch)) == arch
    out = space.build(arch, DATA.num_classes, DATA.input_shape)(torch.randn(2, 1, 8, 8))
    assert out.shape == (2, DATA.num_classes)


def test_a_heavier_resource_term_derives_a_network_with_fewer_flops(tmp_path):
    space, fast = SPACES["dag"], partial(torch.optim.Adam, lr=0.05, betas=(0.5, 0.999))
    flops = {}
    for weight in (0.0, 5.0):
        arch = _search(
            space, tmp_path / str(weight), epochs=2, resource_weight=weight, arch_optimizer=fast
        )
        flops[weight] = count_flops(
            space.build(arch, DATA.num_classes, DATA.input_shape), (1, 8, 8)
        )
    assert flops[5.0] < flops[0.0], flops


def test_bad_settings_are_refused_in_one_line():
    with pytest.raises(NasrunError, match="resource must be one of"):
        SnasSearcher(resource="latency")
    with pytest.raises(NasrunError, match="tau_initial > 0"):
        SnasSearcher(tau_decay=1.5)
