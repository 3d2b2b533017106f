"""ProxylessNAS on the MobileNet supernet: binarised paths, the rescaled two-path update, and
the latency term that pulls the expected latency to the target."""

from __future__ import annotations

import math

import pytest
import torch

from nasrun.config import compose, instantiate
from nasrun.errors import NasrunError
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


def _derived_ms(parts, target_ms, steps=12):
    """The predicted latency of the network the searcher derives from the same random alphas
    before (first) and after ``steps`` architecture steps toward ``target_ms``, with the derived
    network's latency in the term (``latency_of="derived"``, as in configs/search/proxyless.yaml).
    """
    searcher, net, data = _searcher(parts, target_ms)
    searcher.latency_of = "derived"
    with torch.no_grad():  # a mid-range network to start from, not the all-first-choices one
        generator = torch.Generator().manual_seed(3)
        for alpha in net.mixing_parameters():
            alpha.copy_(0.1 * torch.randn(alpha.shape, generator=generator))
    x, y = data.train.x[:32], data.train.y[:32]
    table = searcher._latency_table(tuple(x.shape[1:]))
    before = table.predict(net.derive())
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        searcher.arch_step(x, y, generator)
    return before, table.predict(net.derive())


def test_a_lower_target_derives_a_faster_network_and_each_moves_toward_its_target(parts):
    start, _ = _derived_ms(parts, 1.0, steps=0)
    low, high = 0.7 * start, 1.3 * start
    _, at_low = _derived_ms(parts, low)
    _, at_high = _derived_ms(parts, high)
    assert at_low < start < at_high
    assert abs(at_low - low) < abs(start - low) and abs(at_high - high) < abs(start - high)


def test_search_target_ms_is_the_searchers_target(compose_config):
    base = ["space=mobilenet", "search=proxyless", "device=cpu"]
    for overrides, expected in (
        (["search.target_ms=5"], 5),  # the command line
        (["search.searcher.target_ms=4"], 4),  # the searcher's own key works too
        ([], None),
    ):
        cfg = compose_config(*base, *overrides)
        search = instantiate(cfg.search, "search", seed=0, hpo=None)
        assert search.searcher.target_ms == expected
    cfg = compose_config(*base, "search.target_ms=5", "search.searcher.target_ms=4")
    with pytest.raises(NasrunError, match="search.target_ms=5 differs"):
        instantiate(cfg.search, "search", seed=0, hpo=None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"latency_loss": "square"}, "latency_loss is one of absolute, add_linear, mul_log"),
        ({"latency_loss": "mul_log", "target_ms": 0.8}, "needs a target above 1 ms"),
        ({"target_ms": -1.0}, "must be positive"),
    ],
)
def test_bad_latency_settings_are_refused_in_one_line(options, message):
    with pytest.raises(NasrunError, match=message):
        ProxylessSearcher(**options)


def test_the_released_loss_forms(parts):
    searcher = _searcher(parts, 4.0)[0]
    ce, latency = torch.tensor(2.0), torch.tensor(5.0)
    searcher.latency_weight, searcher.latency_loss = 0.1, "add_linear"
    assert float(searcher.with_latency(ce, latency)) == pytest.approx(2.0 + 0.1 * 1.0 / 4.0)
    searcher.latency_weight, searcher.latency_loss = 0.2, "mul_log"
    expected = 0.2 * 2.0 * (math.log(5.0) / math.log(4.0)) ** 0.3
    assert float(searcher.with_latency(ce, latency)) == pytest.approx(expected)
    searcher.latency_weight, searcher.latency_loss = 1.0, "absolute"
    assert float(searcher.with_latency(ce, torch.tensor(3.0))) == pytest.approx(2.25)
