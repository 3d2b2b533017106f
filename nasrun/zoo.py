"""Published architectures, usable wherever an architecture is accepted (``arch=darts_v2``).

Each entry holds the genotype as its authors published it (in the DARTS code base's notation,
or NB201's string), the space it lives in, the CIFAR-10 evaluation network the paper trained,
and the parameter count the paper reports, so that nasrun's own count can be checked beside it
(README, "Published architectures"). Counts exclude the auxiliary head, as the papers' do.

Three entries come from their authors' code rather than later transcriptions, because only the
code reproduces the papers' sizes: NASNet-A (tensorflow/models, slim ``nasnet_utils.py``) and
AmoebaNet-A (tensorflow/tpu ``amoeba_net/model_specs.py``) fix each cell's concatenated states
(``used_hiddenstates``), including the normal cell's input ``h_{i-1}``, and ENAS' cell is its
release script's ``fixed_arc`` (melodyguan/enas ``cifar10_micro_final.sh``) in ENAS' child
network. TF cells index ``h_i`` as 0 and ``h_{i-1}`` as 1, swapped here into DARTS' notation.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from nasrun.errors import NasrunError
from nasrun.spaces.base import Arch, SearchSpace
from nasrun.spaces.darts_cell.ops import AMOEBANET_OPS
from nasrun.spaces.darts_cell.space import DagSpace, NasnetCellSpace
from nasrun.spaces.hierarchical.space import HierarchicalSpace
from nasrun.spaces.mobilenet.space import MobileNetSpace
from nasrun.spaces.nb201.space import NB201Space


@dataclass(frozen=True)
class ZooEntry:
    name: str
    paper: str
    space: str  # the config-group name of the space the paper used
    genotype: str
    paper_params_m: float  # millions, CIFAR-10 network, as the paper reports
    space_options: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)  # the paper's evaluation network
    # The data the paper's counts are for (ImageNet for the mobile networks), and its MACs.
    num_classes: int = 10
    input_shape: tuple[int, int, int] = (3, 32, 32)
    paper_macs_m: float | None = None

    def make_space(self) -> SearchSpace:
        spaces = {"dag": DagSpace, "nasnet_cell": NasnetCellSpace, "nb201": NB201Space}
        spaces["mobilenet"] = MobileNetSpace
        spaces["hierarchical"] = HierarchicalSpace
        return spaces[self.space](**self.space_options, **self.network)

    def arch(self) -> Arch:
        return self.make_space().from_string(self.genotype)


_DARTS_EVAL = {"channels": 36, "layers": 20, "auxiliary": True, "drop_path_prob": 0.2}
_NASNET_EVAL = {"cells_per_stage": 6, "auxiliary": True, "drop_path_prob": 0.2}

# ImageNet networks of the MobileNet space, 224x224, 1000 classes. MobileNetV2 and MnasNet-B1
# are torchvision's mobilenet_v2() and mnasnet1_0() (their counts are torchvision's); MnasNet-A1
# is the TF release's mnasnet_a1 (tensorflow/tpu mnasnet_models.py); the ProxylessNAS networks are
# the MIT-Han-Lab release's proxyless_mobile / proxyless_gpu configs.
_IMAGENET = {"num_classes": 1000, "input_shape": (3, 224, 224)}
_MNAS = {
    "stage_channels": [24, 40, 80, 96, 192, 320],
    "activation": "relu",
    "width_multiplier": 1.0,
}
_MOBILE = [
    ZooEntry(
        "mobilenet_v2",
        "Sandler et al., MobileNetV2 1.0, CVPR 2018 (sizes: the authors' TF-slim release)",
        "mobilenet",
        "d2w1:k3_e6,k3_e6,zero,zero|d3w1:k3_e6,k3_e6,k3_e6,zero|d4w1:k3_e6,k3_e6,k3_e6,k3_e6|"
        "d3w1:k3_e6,k3_e6,k3_e6,zero|d3w1:k3_e6,k3_e6,k3_e6,zero|d1w1:k3_e6",
        3.47,
        space_options={"stage_channels": [24, 32, 64, 96, 160, 320], "width_multiplier": 1.0},
        paper_macs_m=300,
        **_IMAGENET,
    ),
    ZooEntry(
        "mnasnet_b1",
        "Tan et al., MnasNet-B1 1.0 (no SE), CVPR 2019 (torchvision mnasnet1_0)",
        "mobilenet",
        "d3w1:k3_e3,k3_e3,k3_e3,zero|d3w1:k5_e3,k5_e3,k5_e3,zero|d3w1:k5_e6,k5_e6,k5_e6,zero|"
        "d2w1:k3_e6,k3_e6,zero,zero|d4w1:k5_e6,k5_e6,k5_e6,k5_e6|d1w1:k3_e6",
        4.383312,
        space_options=_MNAS,
        **_IMAGENET,
    ),
    ZooEntry(
        "mnasnet_a1",
        "Tan et al., MnasNet-A1, CVPR 2019",
        "mobilenet",
        "d2w1:k3_e6,k3_e6,zero,zero|d3w1:k5_e3_se,k5_e3_se,k5_e3_se,zero|"
        "d4w1:k3_e6,k3_e6,k3_e6,k3_e6|d2w1:k3_e6_se,k3_e6_se,zero,zero|"
        "d3w1:k5_e6_se,k5_e6_se,k5_e6_se,zero|d1w1:k3_e6",
        3.9,
        space_options={**_MNAS, "stage_channels": [24, 40, 80, 112, 160, 320]},
        paper_macs_m=312,
        **_IMAGENET,
    ),
    ZooEntry(
        "proxylessnas_mobile",
        "Cai et al., ProxylessNAS (mobile), ICLR 2019",
        "mobilenet",
        "d4w1:k5_e3,k3_e3,zero,zero|d4w1:k7_e3,k3_e3,k5_e3,k5_e3|d4w1:k7_e6,k5_e3,k5_e3,k5_e3|"
        "d4w1:k5_e6,k5_e3,k5_e3,k5_e3|d4w1:k7_e6,k7_e6,k7_e3,k7_e3|d1w1:k7_e6",
        4.1,
        space_options={"stage_channels": [32, 40, 80, 96, 192, 320], "width_multiplier": 1.0},
        paper_macs_m=320,
        **_IMAGENET,
    ),
    ZooEntry(
        "proxylessnas_gpu",
        "Cai et al., ProxylessNAS (GPU), ICLR 2019",
        "mobilenet",
        "d4w1:k5_e3,zero,zero,zero|d4w1:k7_e3,zero,zero,k3_e3|d4w1:k7_e6,zero,zero,k5_e3|"
        "d4w1:k5_e6,zero,k3_e3,k5_e3|d4w1:k7_e6,k7_e6,k7_e6,k5_e6|d1w1:k7_e6",
        7.1,
        space_options={
            "stage_channels": [32, 56, 112, 128, 256, 432],
            "stem_channels": 40,
            "first_block_channels": 24,
            "head_channels": 1728,
            "width_multiplier": 1.0,
        },
        **_IMAGENET,
    ),
]

ZOO: dict[str, ZooEntry] = {
    entry.name: entry
    for entry in [
        ZooEntry(
            "darts_v1",
            "Liu et al., DARTS (first order), ICLR 2019",
            "dag",
            "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
            "('skip_connect', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], "
            "reduce_concat=[2, 3, 4, 5])",
            3.3,
            network=_DARTS_EVAL,
        ),
        ZooEntry(
            "darts_v2",
            "Liu et al., DARTS (second order), ICLR 2019",
            "dag",
            "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
            "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
            "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
            "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
            "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], "
            "reduce_concat=[2, 3, 4, 5])",
            3.3,
            network=_DARTS_EVAL,
        ),
        ZooEntry(
            "pc_darts",
            "Xu et al., PC-DARTS, ICLR 2020",
            "dag",
            "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), "
            "('dil_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), "
            "('dil_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 1), "
            "('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), ('sep_conv_3x3', 0), "
            "('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], "
            "reduce_concat=[2, 3, 4, 5])",
            3.6,
            network=_DARTS_EVAL,
        ),
        ZooEntry(
            "gdas",
            "Dong & Yang, GDAS, CVPR 2019",
            "dag",
            "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1), ('skip_connect', 0), "
            "('sep_conv_5x5', 2), ('sep_conv_3x3', 3), ('skip_connect', 0), ('sep_conv_5x5', 4), "
            "('sep_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 0), "
            "('sep_conv_3x3', 1), ('sep_conv_5x5', 2), ('sep_conv_5x5', 1), ('dil_conv_5x5', 2), "
            "('sep_conv_3x3', 1), ('sep_conv_5x5', 0), ('sep_conv_5x5', 1)], "
            "reduce_concat=[2, 3, 4, 5])",
            3.4,
            network=_DARTS_EVAL,
        ),
        ZooEntry(
            # ENAS' child network: DARTS' macro plus a second 1x1 conv on the previous cell's
            # output, and the nodes no node reads as the output. 4.6M needs 20 cells (N=6, as in
            # DARTS' and NASNet's CIFAR networks); the script's 17 (child_num_layers=15) give 3.89M.
            "enas",
            "Pham et al., ENAS (micro search), ICML 2018",
            "dag",
            "Genotype(normal=[('avg_pool_3x3', 0), ('sep_conv_3x3', 0), ('skip_connect', 0), "
            "('sep_conv_5x5', 0), ('skip_connect', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 1), "
            "('sep_conv_5x5', 0), ('avg_pool_3x3', 0), ('sep_conv_5x5', 1)], "
            "normal_concat=[2, 3, 4, 5, 6], reduce=[('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
            "('max_pool_3x3', 0), ('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 3), "
            "('sep_conv_3x3', 1), ('skip_connect', 0), ('max_pool_3x3', 0), ('sep_conv_5x5', 1)], "
            "reduce_concat=[2, 4, 5, 6])",
            4.6,
            space_options={"num_nodes": 5, "reduce_concat": [2, 4, 5, 6], "input_convs": 2},
            network=_DARTS_EVAL,
        ),
        ZooEntry(
            "nasnet_a",
            "Zoph et al., NASNet-A (6 @ 768), CVPR 2018",
            "nasnet_cell",
            "Genotype(normal=[('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 0), "
            "('sep_conv_3x3', 0), ('avg_pool_3x3', 1), ('skip_connect', 0), ('avg_pool_3x3', 0), "
            "('avg_pool_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 1)], "
            "normal_concat=[0, 2, 3, 4, 5, 6], reduce=[('sep_conv_5x5', 1), ('sep_conv_7x7', 0), "
            "('max_pool_3x3', 1), ('sep_conv_7x7', 0), ('avg_pool_3x3', 1), ('sep_conv_5x5', 0), "
            "('skip_connect', 3), ('avg_pool_3x3', 2), ('sep_conv_3x3', 2), ('max_pool_3x3', 1)], "
            "reduce_concat=[3, 4, 5, 6])",
            3.3,
            space_options={"normal_concat": [0, 2, 3, 4, 5, 6], "reduce_concat": [3, 4, 5, 6]},
            network={**_NASNET_EVAL, "channels": 32},
        ),
        ZooEntry(
            # DARTS' genotypes.py transcribes AmoebaNet-A from the paper's figure with the nodes
            # reordered, inputs unswapped and one max-pool reading the other input; this is
            # the TPU code's cell, whose 1x7/7x1 conv is bottlenecked (see darts_cell/ops.py:
            # DARTS' full-width conv_7x1_1x7 would make the network 10% larger).
            "amoebanet_a",
            "Real et al., AmoebaNet-A (N=6, F=36), AAAI 2019",
            "nasnet_cell",
            "Genotype(normal=[('avg_pool_3x3', 1), ('max_pool_3x3', 1), ('sep_conv_3x3', 0), "
            "('skip_connect', 0), ('skip_connect', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 1), "
            "('sep_conv_5x5', 2), ('avg_pool_3x3', 5), ('sep_conv_3x3', 1)], "
            "normal_concat=[0, 3, 4, 6], reduce=[('sep_conv_3x3', 0), ('avg_pool_3x3', 1), "
            "('max_pool_3x3', 1), ('sep_conv_7x7', 2), ('max_pool_3x3', 0), ('max_pool_3x3', 1), "
            "('sep_conv_3x3', 4), ('conv_7x1_1x7_bottleneck', 1), ('avg_pool_3x3', 0), ('sep_conv_7x7', 1)], "
            "reduce_concat=[2, 3, 4, 5, 6])",
            3.2,
            space_options={
                "normal_concat": [0, 3, 4, 6],
                "reduce_concat": [2, 3, 4, 5, 6],
                "ops": list(AMOEBANET_OPS),
            },
            network={**_NASNET_EVAL, "channels": 36},
        ),
        ZooEntry(
            "nb201_resnet",
            "Dong & Yang, NAS-Bench-201's ResNet cell, ICLR 2020 (API cost info)",
            "nb201",
            "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|",
            0.559,
            network={"channels": 16, "cells_per_stage": 5},
        ),
        ZooEntry(
            # Liu et al. publish their evolved cell only as a figure (appendix A), not as data:
            # this is a sample of the space (random.Random(0)), and its count is nasrun's own,
            # in the paper's search network (16 channels, one cell per stage, CIFAR-10).
            "hierarchical_sample",
            "a sample of Liu et al.'s hierarchical space, ICLR 2018 (not the paper's cell)",
            "hierarchical",
            "m0=none,max_pool_3x3,none,max_pool_3x3,conv_1x1,sep_conv_3x3 "
            "m1=avg_pool_3x3,max_pool_3x3,max_pool_3x3,none,none,sep_conv_3x3 "
            "m2=max_pool_3x3,sep_conv_3x3,avg_pool_3x3,dw_conv_3x3,avg_pool_3x3,dw_conv_3x3 "
            "m3=sep_conv_3x3,dw_conv_3x3,none,conv_1x1,avg_pool_3x3,none "
            "m4=sep_conv_3x3,avg_pool_3x3,identity,none,avg_pool_3x3,dw_conv_3x3 "
            "m5=sep_conv_3x3,conv_1x1,identity,conv_1x1,none,identity "
            "cell=m2,m3,m4,m0,m2,m3,m2,m4,m5,m1",
            0.110698,
            network={"channels": 16, "cells_per_stage": 1},
        ),
        *_MOBILE,
    ]
}


def zoo_entry(name: str) -> ZooEntry | None:
    """The zoo's entry ``name`` (any case); None for an architecture string.

    A bare word (``darts_v3``) can only be meant as a zoo name: every space's string form holds
    brackets, ``|`` or ``-``. An unknown one is refused with the zoo's names, the closest first.
    """
    key = name.strip().lower()
    if key in ZOO or not key.isidentifier():
        return ZOO.get(key)
    close = difflib.get_close_matches(key, ZOO, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise NasrunError(
        f"arch={name.strip()} is not in the zoo; {hint}the zoo has: {', '.join(sorted(ZOO))} "
        "(or give the space's architecture string)"
    )


def resolve_arch(text: str, space: SearchSpace) -> Arch:
    """A zoo name or the space's string form -> an architecture of ``space``."""
    entry = zoo_entry(text)
    if entry is None:
        return space.from_string(text)
    if entry.space != space.name:
        raise NasrunError(f"arch={entry.name} lives in space={entry.space}, not {space.name}")
    return space.from_string(entry.genotype)
