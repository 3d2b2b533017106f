"""ProxylessNAS on the MobileNet supernet: binarised paths, the rescaled two-path update, and
the latency term that pulls the expected latency to the target."""

from __future__ import annotations

import pytest
import torch

from nasrun.config import compose, instantiate
from nasrun.oneshot.proxyless import ProxylessSearcher, sample_paths
from nasrun.training import WeightOptimiser

MOBILENET = [
    "space=mobilenet",
    "space.stage_channels=[8,16]",
    "space.stage_layers=[2,3]",
    "space.stage_strides=[2,1]",
    "space.expansions=[1,3]",
    "space.head_channels=16",
    "space.width_multiplier=1",
    "device=cpu",
]


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    cfg = compose(*MOBILENET)
    space = instantiate(cfg.space, "space")
    data = instantiate(cfg.dataset, "dataset", device="cpu")
    return space, data, tmp_path_factory.mktemp("latency")


def _searcher(parts, target_ms, seed=0):
    space, data, root = parts
    torch.manual_seed(seed)
    net = space.supernet(data.num_classes, data.input_shape)
    weights = WeightOptimiser(
        net.weight_parameters(), lambda p: torch.optim.SGD(p, lr=0.05), 5.0, 1, 0.0
    )
    searcher = ProxylessSearcher(
        target_ms=target_ms,
        output_root=str(root),
        arch_optimizer=lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.0, 0.999)),
    )
    searcher.setup(net, weights, seed, 32)
    return searcher, net, data


def test_weight_steps_run_one_path_and_arch_steps_two(parts):
    _, net, _ = _searcher(parts, None)
    generator = torch.Generator().manual_seed(0)
    for paths in (1, 2):
        mixes, active = sample_paths(net.mixing_parameters(), paths, generator)
        for mix, on, alpha in zip(mixes, active, net.mixing_parameters(), strict=True):
            assert len(on) == min(paths, alpha.numel())
            assert mix.detach().sum() == 1 and (mix.detach() != 0).sum() == 1  # one gate on


def test_two_path_update_moves_only_the_two_drawn_and_keeps_the_others_probabilities(parts):
    searcher, net, data = _searcher(parts, None)
    before = [torch.softmax(a.detach().clone(), -1) for a in net.mixing_parameters()]
    generator = torch.Generator().manual_seed(1)
    state = generator.get_state()
    _, active = sample_paths(net.mixing_parameters(), 2, generator)
    generator.set_state(state)  # the step draws the same paths
    searcher.arch_step(data.train.x[:32], data.train.y[:32], generator)
    moved = 0
    for alpha, on, old in zip(net.mixing_parameters(), active, before, strict=True):
        new = torch.softmax(alpha.detach(), -1)
        others = [k for k in range(alpha.numel()) if k not in on]
        assert torch.allclose(new[others], old[others], atol=1e-6)
        moved += not torch.allclose(new[on], old[on])
    assert moved > 0


def test_the_latency_term_pulls_the_expected_latency_to_the_target(parts):
    x, y = parts[1].train.x[:32], parts[1].train.y[:32]
    ends = {}
    for name, factor in (("low", 0.6), ("high", 1.4)):
        searcher, net, _ = _searcher(parts, target_ms=1.0)  # replaced below, once measured
        start = float(searcher.expected_latency(x).detach())
        searcher.target_ms = factor * start
        generator = torch.Generator().manual_seed(0)
        for _ in range(15):
            searcher.arch_step(x, y, generator)
        ends[name] = float(searcher.expected_latency(x).detach())
        assert abs(ends[name] - searcher.target_ms) < abs(start - searcher.target_ms)
    assert ends["low"] < ends["high"]
