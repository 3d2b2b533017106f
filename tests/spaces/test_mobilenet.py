"""The MobileNet space: the zoo's ImageNet networks against torchvision and the papers, the
block and stage decisions, strings, widths and a real search run on digits (the rest of the
space contract is in ``test_contract.py``)."""

from __future__ import annotations

import random

import optuna
import pytest
import torch
import torchvision

from nasrun.config import compose, instantiate
from nasrun.errors import NasrunError
from nasrun.layers.mbconv import MBConv
from nasrun.spaces.mobilenet import MobileNetSpace
from nasrun.training.costs import count_flops, count_params
from nasrun.zoo import ZOO

MOBILE = sorted(name for name, entry in ZOO.items() if entry.space == "mobilenet")
TINY = MobileNetSpace(
    stage_channels=(8, 16), stage_layers=(2, 3), stage_strides=(2, 1), expansions=(1, 3),
    stem_channels=8, first_block_channels=8, head_channels=16,
)  # fmt: skip


def _imagenet(name: str) -> torch.nn.Module:
    entry = ZOO[name]
    return entry.make_space().build(entry.arch(), entry.num_classes, entry.input_shape)


def test_the_zoo_has_the_five_mobile_networks():
    assert MOBILE == [
        "mnasnet_a1", "mnasnet_b1", "mobilenet_v2", "proxylessnas_gpu", "proxylessnas_mobile"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("mobilenet_v2", torchvision.models.mobilenet_v2),
        ("mnasnet_b1", torchvision.models.mnasnet1_0),
    ],
)
def test_mobilenet_v2_and_mnasnet_b1_have_exactly_torchvisions_parameter_count(name, reference):
    assert count_params(_imagenet(name)) == count_params(reference()) == {
        "mobilenet_v2": 3_504_872, "mnasnet_b1": 4_383_312
    }[name]  # fmt: skip


#: Parameter counts of the authors' releases: MnasNet-A1 from the TF release (tensorflow/tpu
#: mnasnet_models.py, as converted by osmr/imgclsmob: 3,887,038), ProxylessNAS from the
#: MIT-Han-Lab release configs (imgclsmob's conversion asserts 4,080,512 and 7,119,848).
RELEASE_PARAMS = {
    "mnasnet_a1": 3_887_038,
    "proxylessnas_mobile": 4_080_512,
    "proxylessnas_gpu": 7_119_848,
}


@pytest.mark.parametrize("name", MOBILE)
def test_zoo_networks_match_their_papers_within_2_percent(name):
    entry = ZOO[name]
    model = _imagenet(name)
    params = count_params(model)
    assert abs(params / (entry.paper_params_m * 1e6) - 1) <= 0.02
    if name in RELEASE_PARAMS:
        assert params == RELEASE_PARAMS[name]
    if entry.paper_macs_m is not None:  # MnasNet-A1 312M, ProxylessNAS mobile 320M, V2 300M
        macs = count_flops(model, entry.input_shape) / 2
        assert abs(macs / (entry.paper_macs_m * 1e6) - 1) <= 0.02


def test_zoo_strings_round_trip_and_name_every_block():
    for name in MOBILE:
        space, arch = ZOO[name].make_space(), ZOO[name].arch()
        assert space.from_string(space.to_string(arch)) == arch
        assert space.to_string(arch) == ZOO[name].genotype


def test_zero_is_offered_only_where_the_shortcut_exists():
    space = MobileNetSpace()
    assert "zero" not in space.block_ops(0)
    assert "zero" in space.block_ops(1)
    assert len(space.block_ops(1)) == 3 * 3 * 2 + 1  # kernel x expansion x SE, and zero
    with pytest.raises(NasrunError, match="zero"):
        space.from_string("d1w1:zero,k3_e6|" + "d1w1:k3_e6,k3_e6|d1w1:k3_e6,k3_e6,k3_e6")


def test_blocks_past_the_depth_and_zero_blocks_are_not_built():
    deep = TINY.from_string("d2w1:k3_e3,k5_e3_se|d3w1:k3_e1,zero,k5_e3")
    shallow = TINY.from_string("d1w1:k3_e3,k5_e3_se|d1w1:k3_e1,zero,k5_e3")
    kinds = [s.kind for s in TINY.layer_specs(deep, 10, (1, 8, 8))]
    assert kinds == ["conv", "mbconv", "mbconv", "mbconv", "mbconv", "mbconv", "conv", "classifier"]
    # S0_B1 and S1_B2 are past the depth.
    assert len(TINY.layer_specs(shallow, 10, (1, 8, 8))) == len(kinds) - 2
    assert count_params(TINY.build(shallow, 10, (1, 8, 8))) < count_params(
        TINY.build(deep, 10, (1, 8, 8))
    )


def test_mbconv_follows_mobilenet_v2_and_mnasnet():
    plain = MBConv(16, 16, kernel=3, stride=1, expansion=1)
    assert len(plain.body) == 2 and plain.residual  # no expand conv at expansion 1
    se = MBConv(24, 40, kernel=5, stride=2, expansion=3, se_ratio=0.25)
    assert not se.residual
    assert se.body[2].reduce.out_channels == 6  # SE width from the block's input (MnasNet)
    assert se(torch.randn(2, 24, 8, 8)).shape == (2, 40, 4, 4)


def test_stage_widths_and_the_width_multiplier_set_the_channels():
    space = MobileNetSpace(stage_widths=(0.5, 1.0), width_multiplier=0.5)
    arch = space.sample(random.Random(0))
    arch = space.from_string(space.to_string(arch).replace("w1:", "w0.5:", 1))
    first = space.layer_specs(arch, 10, (3, 32, 32))[2]
    assert first.c_out == 8  # 24 x 0.5 x 0.5 = 6, rounded up to a multiple of 8
    assert space.stages(arch)[0]["width"] == 0.5
    with pytest.raises(NasrunError, match="one stage width"):
        space.supernet(10, (3, 32, 32))


@pytest.mark.parametrize(
    "bad",
    ["", "d2w1:k3_e6", "d2w1:k3_e6,k3_e6|d3w1:k3_e6,k3_e6", "d2w1:k9_e6,k3_e6|d3w1:k3_e1,zero,zero",
     "d2wx:k3_e3,k3_e3|d3w1:k3_e1,zero,zero", "d5w1:k3_e3,k3_e3|d3w1:k3_e1,zero,zero"],
)  # fmt: skip
def test_malformed_strings_are_refused_in_one_line(bad):
    with pytest.raises(NasrunError) as error:
        TINY.from_string(bad)
    assert "\n" not in str(error.value)


def test_bad_settings_are_refused_when_the_config_is_built():
    with pytest.raises(NasrunError, match="kernel_sizes must be odd"):
        MobileNetSpace(kernel_sizes=(3, 4))
    with pytest.raises(NasrunError, match="one value per stage"):
        MobileNetSpace(stage_channels=(8, 16), stage_layers=(1,), stage_strides=(1, 1))
    with pytest.raises(NasrunError, match="unknown activation"):
        MobileNetSpace(activation="gelu")


def test_the_default_config_builds_digits_sized_networks_from_real_trials():
    space = instantiate(compose("space=mobilenet").space, "space")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(2):
        arch = space.suggest(study.ask())
        out = space.build(arch, 10, (1, 8, 8))(torch.randn(2, 1, 8, 8))
        assert out.shape == (2, 10)


def test_a_random_search_on_digits_runs_in_the_space(tmp_path):
    from nasrun.experiment import Experiment

    cfg = compose(
        "space=mobilenet",
        "space.stage_layers=[1,1,1,1,1,1]",
        "estimator.epochs=1",
        "budget.trials=2",
        "trainer.batch_size=128",
        "device=cpu",
        "verbose=false",
        f"output_root={tmp_path}/outputs",
        f"storage=sqlite:///{tmp_path}/outputs/nasrun.db",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 2
    space = instantiate(cfg.space, "space")
    space.from_string(summary["best_arch"])  # the recorded architecture parses
