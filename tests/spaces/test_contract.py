"""The contract every search space keeps, checked against each ``configs/space/*.yaml``.

A new space is tested by adding its YAML (and, if its defaults are large, a shrinking override
in ``TINY``): strings round-trip, define-by-run suggestion matches ``from_params``, mutation
changes one decision, networks train, and the supernet's single path computes what the
standalone network computes with the supernet's weights.
"""

from __future__ import annotations

import random

import optuna
import pytest
import torch
from torch import nn

from nasrun.config import CONFIG_DIR, compose, instantiate
from nasrun.errors import NasrunError
from nasrun.spaces import SearchSpace

NAMES = sorted(path.stem for path in (CONFIG_DIR / "space").glob("*.yaml"))
#: Overrides that shrink a space's networks to a CPU test's size; none needed by default.
TINY: dict[str, list[str]] = {
    "chain": ["space.num_layers=3", "space.num_filters=[4,6]"],
    "dag": ["space.channels=4", "space.layers=3"],
    "nasnet_cell": ["space.channels=4", "space.num_blocks=3"],
    "nb201": ["space.channels=4", "space.cells_per_stage=1"],
    "hierarchical": [
        "space.channels=4",
        "space.num_motifs=2",
        "space.motif_nodes=3",
        "space.cell_nodes=3",
    ],
    "mobilenet": ["space.stage_channels=[8]", "space.stage_layers=[3]", "space.stage_strides=[1]"],
}
SHAPE = (3, 8, 8)
CLASSES = 3


@pytest.fixture(scope="module", params=NAMES)
def space(request) -> SearchSpace:
    cfg = compose(f"space={request.param}", *TINY.get(request.param, []))
    return instantiate(cfg.space, "space")


def _x(batch: int = 2) -> torch.Tensor:
    return torch.randn(batch, *SHAPE, generator=torch.Generator().manual_seed(0))


def test_strings_round_trip(space):
    rng = random.Random(0)
    for _ in range(5):
        arch = space.sample(rng)
        assert space.from_string(space.to_string(arch)) == arch
        assert space.from_params(space.to_params(arch)) == arch


def test_suggest_asks_a_real_trial_for_every_decision(space):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(3):
        trial = study.ask()
        arch = space.suggest(trial)
        assert space.from_params(trial.params) == arch
        assert set(trial.params) == {d.name for d in space.decisions}


def test_mutation_changes_exactly_one_decision(space):
    rng = random.Random(1)
    arch = space.sample(rng)
    for _ in range(10):
        child = space.mutate(arch, rng)
        assert sum(a != b for a, b in zip(arch, child, strict=True)) == 1
        arch = child


def test_networks_build_run_forward_and_backward(space):
    torch.manual_seed(0)
    model = space.build(space.sample(random.Random(2)), CLASSES, SHAPE).train()
    out = model(_x())
    assert out.shape == (2, CLASSES)
    out.sum().backward()
    assert any(p.grad is not None for p in model.parameters())


def test_supernet_runs_all_three_modes(space):
    torch.manual_seed(0)
    net = space.supernet(CLASSES, SHAPE)
    weights = [torch.softmax(a.detach(), dim=-1) for a in net.mixing_parameters()]
    for mode in ({}, {"arch": space.sample(random.Random(3))}, {"weights": weights}):
        net.zero_grad()
        out = net(_x(), **mode)
        assert out.shape == (2, CLASSES) and torch.isfinite(out).all()
        out.sum().backward()
    net.zero_grad()
    net(_x()).sum().backward()  # the plain mixture trains every alpha with a choice to make
    assert all(a.grad is not None for a in net.arch_parameters() if a.shape[-1] > 1)
    derived = net.derive()
    assert space.from_string(space.to_string(derived)) == derived


def _randomise_statistics(net: nn.Module) -> None:
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 2.0)


def test_a_single_path_is_the_mixture_at_a_corner_of_the_simplex(space):
    torch.manual_seed(0)
    net = space.supernet(CLASSES, SHAPE).eval()
    _randomise_statistics(net)
    arch = space.sample(random.Random(4))
    one_hot = net.path_mixes(arch)
    assert torch.allclose(net(_x(), arch=arch), net(_x(), weights=one_hot), atol=1e-5)


def test_a_single_path_equals_the_standalone_network_with_shared_weights(space):
    torch.manual_seed(0)
    net = space.supernet(CLASSES, SHAPE).eval()
    _randomise_statistics(net)
    for module in net.modules():
        # DARTS' search cell follows each pool with a BN its evaluation cell lacks: those
        # keep identity statistics (they scale by 1/sqrt(1 + eps), within the tolerance).
        pool_bn = isinstance(module, nn.Sequential) and [type(m) for m in module][1:] == [
            nn.BatchNorm2d
        ]
        if pool_bn and isinstance(module[0], nn.AvgPool2d | nn.MaxPool2d):
            module[1].reset_running_stats()
    compared = 0
    for seed in range(3):
        arch = space.sample(random.Random(seed))
        try:
            state = net.subnet_state(arch)
        except NasrunError:
            # nasnet_cell: the search cell concatenates every node and adds, while the
            # evaluation cell concatenates the unused ones and may concatenate branches, so
            # its networks are not paths of the supernet; the corner check above covers it.
            continue
        model = space.build(arch, CLASSES, SHAPE).eval()
        model.load_state_dict(state)
        assert torch.allclose(model(_x()), net(_x(), arch=arch), rtol=1e-4, atol=1e-5)
        compared += 1
    assert compared or space.name == "nasnet_cell"
