"""Every config file of every group composes and instantiates with the real constructors."""

from __future__ import annotations

import pytest

from nasrun.cli.errors import group_choices
from nasrun.config import CONFIG_DIR, instantiate
from nasrun.data import DataModule
from nasrun.estimators import Estimator
from nasrun.search import Search
from nasrun.spaces import SearchSpace
from nasrun.training import Trainer
from tests.data.test_data import write_fake_cifar

GROUPS = group_choices(CONFIG_DIR)
CASES = [(group, option) for group, options in GROUPS.items() for option in options]


def test_groups_exist():
    assert {"space", "search", "estimator", "dataset", "trainer", "experiment"} <= set(GROUPS)


@pytest.mark.parametrize(("group", "option"), CASES, ids=[f"{g}={o}" for g, o in CASES])
def test_config_composes_and_instantiates(compose_config, tmp_path, group, option):
    override = f"{group}={option}"
    extra = []
    if group == "search" and option == "grid":  # a grid needs a space small enough to list
        extra = ["space.num_layers=2"]
    text = (CONFIG_DIR / group / f"{option}.yaml").read_text()
    # experiment=nb201_* composes no dataset (its tables replace the data): one is given here.
    own_dataset = group == "dataset" or (
        group == "experiment"
        and "override /dataset" in text
        and "override /dataset: null" not in text
    )
    cfg = compose_config(override, *extra) if own_dataset else None
    if own_dataset and cfg.dataset._target_.startswith("nasrun.data.Cifar"):
        name = cfg.dataset._target_.rsplit(".", 1)[-1].lower()
        write_fake_cifar(tmp_path / name, name)
        extra = [f"data_dir={tmp_path}", "dataset.valid_size=10"]
    cfg = (
        compose_config(override, *extra)
        if own_dataset
        else compose_config(override, "dataset=synthetic", *extra)
    )
    dataset = instantiate(cfg.dataset, "dataset", device="cpu")
    space = instantiate(cfg.space, "space")
    trainer = instantiate(cfg.trainer, "trainer")
    estimator = instantiate(
        cfg.estimator, "estimator", space=space, dataset=dataset, trainer=trainer, seed=0
    )
    hpo = instantiate(cfg.hpo, "hpo") if cfg.get("hpo") else None
    search = instantiate(cfg.search, "search", seed=0, hpo=None)
    assert isinstance(dataset, DataModule) and isinstance(space, SearchSpace)
    assert isinstance(trainer, Trainer) and isinstance(estimator, Estimator)
    assert isinstance(search, Search) and search.name
    assert group != "hpo" or option == "none" or hpo is not None


def test_only_experiments_write_outside_their_group():
    """``# @package _global_`` is for ready-made experiments only (lightning-hydra-template)."""
    for group, options in GROUPS.items():
        for option in options:
            text = (CONFIG_DIR / group / f"{option}.yaml").read_text()
            assert ("@package _global_" in text) == (group == "experiment"), f"{group}={option}"


@pytest.mark.parametrize(
    "overrides", [["search=darts"], ["search=pc_darts"], ["experiment=darts_cifar10"]]
)
def test_search_order_as_the_readme_writes_it_reaches_darts(compose_config, overrides):
    cfg = compose_config(*overrides, "search.order=2")
    assert instantiate(cfg.search, "search", seed=0).searcher.order == 2
