"""Each searcher on each supernet family, and what the one-shot runner refuses (tiny CPU runs).

The YAML-level contract (records, resume) is ``test_contract.py``; here the searchers are built
in Python so that settings no YAML has by default (second order) are covered too.
"""

from __future__ import annotations

from functools import partial

import optuna
import pytest
import torch

from nasrun.budget import Budget
from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.estimators import OneShotEstimator
from nasrun.oneshot import DartsSearcher, EnasSearcher, GdasSearcher, SposSearcher
from nasrun.search import OneShotSearch, Recorder
from nasrun.spaces import ChainSpace, NasnetCellSpace, NB201Space
from nasrun.training import Trainer

DATA = Synthetic(num_classes=3, channels=1, image_size=8, num_examples=120, noise=0.3)
SPACES = {
    "chain": ChainSpace(num_layers=3, num_filters=(4, 8), filter_sizes=(1, 3), ops=("conv", "sep")),
    "nb201": NB201Space(channels=4, cells_per_stage=1),
    "nasnet_cell": NasnetCellSpace(num_blocks=3, cells_per_stage=1, channels=4),
}
SEARCHERS = {
    "darts1": lambda: DartsSearcher(order=1),
    "darts2": lambda: DartsSearcher(order=2),
    "gdas": lambda: GdasSearcher(),
    "enas": lambda: EnasSearcher(controller_steps=2, samples=2),
    "spos": lambda: SposSearcher(samples=2),
}


def _search(space_name, searcher, tmp_path, epochs=1, supernet=None, **options):
    space = SPACES[space_name]
    estimator = OneShotEstimator(space, DATA, Trainer(), seed=0)
    search = OneShotSearch(
        SEARCHERS[searcher](),
        epochs=epochs,
        batch_size=32,
        supernet=supernet,
        checkpoint_dir=str(tmp_path),
        **options,
    )
    study = optuna.create_study(direction="maximize")
    recorder = Recorder(space, "valid_acc", tmp_path / "run", verbose=False)
    search.run(study, space, estimator, Budget(trials=1), recorder)
    return study, search


@pytest.mark.parametrize("space_name", ["chain", "nb201"])
@pytest.mark.parametrize("searcher", SEARCHERS)
def test_searcher_derives_an_arch_of_the_space(tmp_path, space_name, searcher):
    study, _ = _search(space_name, searcher, tmp_path)
    space = SPACES[space_name]
    arch = space.from_params(study.trials[-1].params)
    space.build(arch, DATA.num_classes, DATA.input_shape)(torch.randn(2, 1, 8, 8))


def test_pc_darts_is_darts_on_a_partial_channel_supernet(tmp_path):
    study, _ = _search("nasnet_cell", "darts1", tmp_path, supernet={"partial_channels": 2})
    assert study.trials[-1].state == optuna.trial.TrialState.COMPLETE


@pytest.mark.parametrize("searcher", ["darts1", "darts2", "gdas"])
def test_gradient_methods_move_the_architecture_weights(tmp_path, searcher):
    _, search = _search("chain", searcher, tmp_path)
    initial = OneShotEstimator(SPACES["chain"], DATA, Trainer()).build_supernet(seed=0)
    pairs = zip(search.searcher.supernet.arch_parameters(), initial.arch_parameters(), strict=True)
    assert all(not torch.equal(a, b) for a, b in pairs if len(a) > 1)


def test_a_diverging_supernet_fails_the_run_in_one_line(tmp_path):
    diverging = partial(torch.optim.SGD, lr=float("inf"))
    with pytest.raises(NasrunError, match=r"^search=darts: .* became nan in epoch 1;"):
        _search("chain", "darts1", tmp_path, optimizer=diverging, grad_clip=None)


def test_refusals_before_any_training(tmp_path):
    with pytest.raises(NasrunError, match="order"):
        DartsSearcher(order=3)
    with pytest.raises(NasrunError, match="hpo=none"):
        OneShotSearch(DartsSearcher(), hpo=object())
    with pytest.raises(NasrunError, match="search.order=2 differs"):
        OneShotSearch(DartsSearcher(order=1), order=2)
    from nasrun.estimators import LowFidelityEstimator

    space = SPACES["chain"]
    study = optuna.create_study()
    recorder = Recorder(space, "valid_acc", tmp_path, verbose=False)
    low_fidelity = LowFidelityEstimator(space, DATA, Trainer())
    with pytest.raises(NasrunError, match="^search=gdas trains a supernet: it needs estimator"):
        OneShotSearch(GdasSearcher()).run(study, space, low_fidelity, Budget(trials=1), recorder)
    assert study.trials == []
