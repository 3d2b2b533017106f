"""The latency look-up table: cached per device and torch version, predictions as sums of
layers, the differentiable expected latency of the supernet, and ``nasrun-latency``.

Latencies are measured for real (tiny networks, few repeats); no test asserts a time, only how
the figures relate."""

from __future__ import annotations

import json
import random

import pytest
import torch

from nasrun.cli.latency import main as nasrun_latency
from nasrun.costs import LatencyTable, Timing, latency_table
from nasrun.costs.probes import probe_chains
from nasrun.errors import NasrunError
from nasrun.spaces.mobilenet import MobileNetSpace

SPACE = MobileNetSpace(
    stage_channels=(8, 16), stage_layers=(2, 3), stage_strides=(2, 1), kernel_sizes=(3, 5),
    expansions=(1, 3), stem_channels=8, first_block_channels=8, head_channels=16,
)  # fmt: skip
SHAPE = (1, 8, 8)
QUICK = Timing(repeats=2, warmup=1)
TINY_ARGS = [
    "space.stage_channels=[8,16]", "space.stage_layers=[2,3]", "space.stage_strides=[2,1]",
    "space.kernel_sizes=[3,5]", "space.expansions=[1,3]", "space.head_channels=16",
    "--resolution", "8", "--channels", "1", "--classes", "3", "--repeats", "2",
]  # fmt: skip


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> LatencyTable:
    return latency_table(SPACE, 3, SHAPE, "cpu", tmp_path_factory.mktemp("out"), QUICK)


def test_the_table_is_cached_under_the_output_root_by_device_and_torch_version(tmp_path):
    first = latency_table(SPACE, 3, SHAPE, "cpu", tmp_path, QUICK)
    assert first.path.parent == tmp_path / "latency"
    assert "torch" + torch.__version__.split("+")[0] in first.path.name
    record = json.loads(first.path.read_text())
    assert record["device"] == first.device and record["torch"] == torch.__version__
    assert set(record["layers"]) == {s.key for s in SPACE.all_layer_specs(3, SHAPE)}
    assert first.new_layers == len(record["layers"]) and all(
        ms > 0 for ms in record["layers"].values()
    )
    again = latency_table(SPACE, 3, SHAPE, "cpu", tmp_path, QUICK)
    assert again.new_layers == 0 and again.entries == first.entries
    # Another input shape adds its layers to the same file.
    bigger = latency_table(SPACE, 3, (1, 16, 16), "cpu", tmp_path, QUICK)
    assert bigger.path == first.path and bigger.new_layers > 0
    assert set(first.entries) < set(json.loads(first.path.read_text())["layers"])


def test_a_damaged_cache_file_is_refused_in_one_line(tmp_path):
    path = latency_table(SPACE, 3, SHAPE, "cpu", tmp_path, QUICK).path
    path.write_text("{not json")
    with pytest.raises(NasrunError, match="damaged; delete it"):
        latency_table(SPACE, 3, SHAPE, "cpu", tmp_path, QUICK)


def test_every_layer_is_timed_in_place_in_a_probe_network():
    chains = probe_chains(SPACE, 3, SHAPE)
    assert len(chains) == len(SPACE.ops)  # the most candidates any block has (zero is free)
    timed = {s.key for chain in chains for s in chain}
    assert timed == {s.key for s in SPACE.all_layer_specs(3, SHAPE)}


def test_a_prediction_is_the_sum_of_the_architectures_layers(table):
    rng = random.Random(0)
    for _ in range(5):
        arch = SPACE.sample(rng)
        specs = SPACE.layer_specs(arch, 3, SHAPE)
        assert table.predict(arch) == pytest.approx(sum(table.entries[s.key] for s in specs))
    shallow = SPACE.from_string("d1w1:k5_e3,k5_e3|d1w1:k5_e3,k5_e3,k5_e3")
    deep = SPACE.from_string("d2w1:k5_e3,k5_e3|d3w1:k5_e3,k5_e3,k5_e3")
    assert table.predict(deep) > table.predict(shallow)


def test_op_latencies_line_up_with_each_blocks_choices(table):
    ops = table.op_latencies()
    assert set(ops) == {"S0_B0", "S0_B1", "S1_B0", "S1_B1", "S1_B2"}
    for name, latencies in ops.items():
        choices = SPACE.block_ops(int(name[-1]))
        assert latencies.shape == (len(choices),)
        assert (latencies[:-1] > 0).all() if "zero" in choices else (latencies > 0).all()
        if "zero" in choices:
            assert latencies[choices.index("zero")] == 0


def test_the_expected_latency_is_the_prediction_at_a_corner_and_differentiable(table):
    net = SPACE.supernet(3, SHAPE)
    for seed in range(3):
        arch = SPACE.sample(random.Random(seed))
        assert table.expected_ms(net.path_mixes(arch)).item() == pytest.approx(
            table.predict(arch), rel=1e-5
        )
    mixes = [torch.softmax(a, dim=-1) for a in net.mixing_parameters()]
    expected = table.expected_ms(mixes)
    assert table.fixed_ms < expected.item()
    expected.backward()
    trained = [a for a, d in zip(net.alphas, SPACE.decisions, strict=True) if len(d.choices) > 1]
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in trained)


def test_timing_settings_are_checked():
    with pytest.raises(NasrunError, match="clock=cpu needs threads=1"):
        Timing(threads=2, clock="cpu")
    with pytest.raises(NasrunError, match="statistic one of"):
        Timing(statistic="mode")


def test_nasrun_latency_builds_and_validates_a_table(tmp_path, capsys):
    nasrun_latency([f"output_root={tmp_path}", *TINY_ARGS, "--validate", "4", "--rounds", "1"])
    out, err = capsys.readouterr()
    assert "4 random architectures" in out and "Kendall tau" in out
    assert f"latency table {tmp_path}/latency/" in err
    assert len(list((tmp_path / "latency").glob("*.json"))) == 1


def test_nasrun_latency_refuses_a_space_without_a_latency_model(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        nasrun_latency([f"output_root={tmp_path}", "space=chain"])
    assert exit_.value.code != 0
    assert "nasrun: error:" in capsys.readouterr().err
