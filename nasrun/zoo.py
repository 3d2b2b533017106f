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

    def make_space(self) -> SearchSpace:
        spaces = {"dag": DagSpace, "nasnet_cell": NasnetCellSpace, "nb201": NB201Space}
        return spaces[self.space](**self.space_options, **self.network)

    def arch(self) -> Arch:
        return self.make_space().from_string(self.genotype)


_DARTS_EVAL = {"channels": 36, "layers": 20, "auxiliary": True, "drop_path_prob": 0.2}
_NASNET_EVAL = {"cells_per_stage": 6, "auxiliary": True, "drop_path_prob": 0.2}

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
