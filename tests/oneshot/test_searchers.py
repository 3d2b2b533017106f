"""One-shot searchers on a tiny chain supernet: each runs, records epochs, derives valid archs."""

from __future__ import annotations

import optuna
import pytest
import torch

from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.oneshot import DartsSearcher, EnasSearcher, GdasSearcher, SposSearcher
from nasrun.spaces import ChainSpace

DATA = Synthetic(num_classes=4, channels=1, image_size=8, num_examples=160, noise=0.3)
SPACE = ChainSpace(num_layers=3, num_filters=(4, 8), filter_sizes=(1, 3), ops=("conv", "sep"))
SEARCHERS = {
    "darts1": lambda: DartsSearcher(order=1, epochs=2, batch_size=32),
    "darts2": lambda: DartsSearcher(order=2, epochs=2, batch_size=32),
    "gdas": lambda: GdasSearcher(epochs=2, batch_size=32),
    "spos": lambda: SposSearcher(epochs=2, batch_size=32, samples=3),
    "enas": lambda: EnasSearcher(epochs=2, batch_size=32, controller_steps=3, samples=2),
}


def _search(make, tmp_path, seed=0):
    torch.manual_seed(seed)
    supernet = SPACE.supernet(DATA.num_classes, DATA.input_shape)
    study = optuna.create_study(direction="maximize")
    arch = make().search(supernet, SPACE, DATA, study, tmp_path / "ck.pt", seed=seed)
    return arch, study, supernet


@pytest.mark.parametrize("name", SEARCHERS)
def test_searcher_records_each_epoch_and_derives_a_valid_arch(tmp_path, name):
    arch, study, _ = _search(SEARCHERS[name], tmp_path)
    assert SPACE.from_string(SPACE.to_string(arch)) == arch
    assert [t.user_attrs["epoch"] for t in study.trials] == [1, 2]
    last = study.trials[-1]
    assert last.user_attrs["arch"] == SPACE.to_string(arch)
    assert SPACE.from_params(last.params) == arch  # the trial's params are the derived arch
    assert (
        0 <= last.value <= 1 and last.user_attrs["params"] > 0 and last.user_attrs["entropy"] >= 0
    )


@pytest.mark.parametrize("name", ["darts1", "darts2", "gdas"])
def test_gradient_methods_move_the_architecture_weights(tmp_path, name):
    torch.manual_seed(0)
    initial = [
        a.detach().clone()
        for a in SPACE.supernet(DATA.num_classes, DATA.input_shape).arch_parameters()
    ]
    _, _, supernet = _search(SEARCHERS[name], tmp_path)
    moved = [
        not torch.equal(a, b)
        for a, b in zip(supernet.arch_parameters(), initial, strict=True)
        if len(a) > 1
    ]
    assert all(moved)


def test_a_finished_search_resumes_from_its_checkpoint(tmp_path):
    arch, _, _ = _search(SEARCHERS["darts1"], tmp_path)
    study = optuna.create_study(direction="maximize")
    again = SEARCHERS["darts1"]().search(
        SPACE.supernet(4, (1, 8, 8)), SPACE, DATA, study, tmp_path / "ck.pt"
    )
    assert again == arch and study.trials == []  # nothing left to run


def test_bad_order_is_refused():
    with pytest.raises(NasrunError, match="order"):
        DartsSearcher(order=3)
