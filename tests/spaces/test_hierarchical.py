"""The hierarchical space (Liu et al., ICLR 2018): the paper's mutation, its string form, its
search network, and `search=ea` / `search=random` on it through the real config."""

from __future__ import annotations

import random

import optuna
import pytest
import torch

from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment
from nasrun.spaces.hierarchical import HierarchicalSpace
from nasrun.training import count_params
from nasrun.zoo import ZOO

SMALL = ["space.channels=4", "space.num_motifs=2", "space.motif_nodes=3", "space.cell_nodes=3"]


def _level(name: str) -> int:
    return 3 if name.startswith("cell_") else 2


def test_one_decision_per_level_motif_and_edge_with_the_papers_sizes():
    space = HierarchicalSpace()  # 6 motifs of 4 nodes (6 edges), a cell of 5 nodes (10 edges)
    names = [d.name for d in space.decisions]
    assert len(names) == 6 * 6 + 10 and names[0] == "m0_0_1" and names[-1] == "cell_3_4"
    assert space.decisions[0].choices == (
        "conv_1x1",
        "dw_conv_3x3",
        "sep_conv_3x3",
        "max_pool_3x3",
        "avg_pool_3x3",
        "identity",
        "none",
    )
    assert space.decisions[-1].choices == ("m0", "m1", "m2", "m3", "m4", "m5", "none")


def test_mutation_picks_a_level_first_as_the_paper_does():
    space, rng = HierarchicalSpace(), random.Random(0)
    arch, levels = space.sample(rng), []
    for _ in range(400):
        child = space.mutate(arch, rng)
        changed = [d.name for d, a, b in zip(space.decisions, arch, child, strict=True) if a != b]
        assert len(changed) == 1
        levels.append(_level(changed[0]))
        arch = child
    # Uniform over levels: half are cell mutations (uniform over the 46 decisions: 10/46).
    assert 0.4 < levels.count(3) / len(levels) < 0.6


def test_strings_name_every_motif_and_refuse_malformed_ones():
    space = HierarchicalSpace(num_motifs=2, motif_nodes=3, cell_nodes=3)
    text = "m0=conv_1x1,identity,none m1=max_pool_3x3,sep_conv_3x3,dw_conv_3x3 cell=m0,none,m1"
    assert space.to_string(space.from_string(text)) == text
    for bad in ("m0=conv_1x1 cell=m0", text.replace("cell=m0", "cell=m7"), "nonsense"):
        with pytest.raises(NasrunError, match="hierarchical"):
            space.from_string(bad)


def test_the_zoo_sample_builds_the_papers_small_network_with_its_count():
    entry = ZOO["hierarchical_sample"]
    space = entry.make_space()
    model = space.build(entry.arch(), 10, (3, 32, 32))
    assert count_params(model) == round(entry.paper_params_m * 1e6)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("search", ["ea", "random"])
def test_ea_and_random_search_the_space(tmp_path, search):
    cfg = compose(
        "space=hierarchical",
        *SMALL,
        f"search={search}",
        "dataset=synthetic",
        "dataset.num_examples=120",
        "dataset.image_size=8",
        "dataset.channels=1",
        "dataset.num_classes=3",
        "estimator.epochs=1",
        "trainer.batch_size=128",
        "budget.trials=4",
        "device=cpu",
        "verbose=false",
        f"output_root={tmp_path}/outputs",
        f"storage=sqlite:///{tmp_path}/outputs/nasrun.db",
        *(["search.sampler.population_size=2", "search.sampler.sample_size=2"] * (search == "ea")),
    )
    experiment = Experiment.from_config(cfg, tmp_path / "run")
    experiment.run()
    trials = experiment.study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(trials) == 4
    space = experiment.space
    for trial in trials:
        assert 0 <= trial.value <= 1 and space.from_params(trial.params)
    if search == "ea":  # each child: its parent with one (level, motif, edge) op replaced
        by_number = {t.number: t for t in trials}
        children = [t for t in trials if "parent" in t.user_attrs]
        assert children
        for child in children:
            parent = by_number[child.user_attrs["parent"]]
            changed = [n for n in child.params if child.params[n] != parent.params[n]]
            assert len(changed) == 1
