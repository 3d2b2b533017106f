"""Where nasrun's cell networks must agree with DARTS' reference code (quark0/darts, cnn/):
the auxiliary head, pasted genotypes (DARTS', GDAS'), and the training-recipe protocol."""

from __future__ import annotations

import torch
from torch import nn

from nasrun.layers import AuxiliaryHead
from nasrun.spaces import DagSpace, NasnetCellSpace
from nasrun.training import count_params
from nasrun.training.recipe import TrainingRecipe
from nasrun.zoo import ZOO


class DartsAuxiliaryHeadCIFAR(nn.Module):
    """DARTS' ``AuxiliaryHeadCIFAR`` as its cnn/model.py writes it (the reference)."""

    def __init__(self, C, num_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=True),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(x.size(0), -1))


def test_the_auxiliary_head_pools_as_darts_does_on_the_8x8_map():
    torch.manual_seed(0)
    ours, reference = AuxiliaryHead(6, 10).eval(), DartsAuxiliaryHeadCIFAR(6, 10).eval()
    reference.load_state_dict(ours.state_dict())
    x = torch.randn(2, 6, 8, 8)
    assert torch.equal(ours(x), reference(x))
    # An adaptive 2x2 pool (nasrun's former head) gives other logits on the same map.
    assert not torch.allclose(nn.functional.adaptive_avg_pool2d(x, 2), nn.AvgPool2d(5, 3)(x))
    for size in (2, 4, 16):  # other input sizes still give logits
        assert ours(torch.randn(2, 6, size, size)).shape == (2, 10)


def test_gdas_genotypes_paste_in_as_autodl_projects_prints_them():
    gdas = ZOO["gdas"].genotype[: -len(")")]
    printed = gdas.replace("[2, 3, 4, 5]", "range(2, 6)") + ", connectN=None, connects=None)"
    assert DagSpace().from_string(printed) == ZOO["gdas"].arch()


#: quark0/darts cnn/genotypes.py's AmoebaNet, verbatim.
DARTS_AMOEBANET = (
    "Genotype(normal=[('avg_pool_3x3', 0), ('max_pool_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_5x5', 2), ('sep_conv_3x3', 0), ('avg_pool_3x3', 3), ('sep_conv_3x3', 1), "
    "('skip_connect', 1), ('skip_connect', 0), ('avg_pool_3x3', 1)], normal_concat=[4, 5, 6], "
    "reduce=[('avg_pool_3x3', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 0), ('sep_conv_7x7', 2), "
    "('sep_conv_7x7', 0), ('avg_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), "
    "('conv_7x1_1x7', 0), ('sep_conv_3x3', 5)], reduce_concat=[3, 4, 6])"
)


def test_darts_amoebanet_builds_as_in_darts_code():
    # NetworkCIFAR(36, 10, 20, auxiliary, AmoebaNet) of quark0/darts counts 3,145,078 weights
    # without the auxiliary head (built beside nasrun); the zoo's amoebanet_a, AmoebaNet's TF
    # cell with the bottlenecked 1x7/7x1 conv, stays at 3,207,106.
    space = NasnetCellSpace(cells_per_stage=6, channels=36)
    model = space.build(space.from_string(DARTS_AMOEBANET), 10, (3, 32, 32))
    assert count_params(model) == 3_145_078
    entry = ZOO["amoebanet_a"]
    model = entry.make_space().build(entry.arch(), 10, (3, 32, 32))
    assert count_params(model) - count_params(model.auxiliary_head) == 3_207_106


def test_the_evaluation_network_declares_darts_training_recipe():
    space = DagSpace(channels=4, layers=5)
    arch = space.from_string(ZOO["darts_v2"].genotype)
    model = space.build(arch, 3, (3, 8, 8), auxiliary=True, drop_path_prob=0.2)
    assert isinstance(model, TrainingRecipe)
    model.start_epoch(1, 2)
    assert model.drop_prob == 0.1
    loss_fn, y = nn.CrossEntropyLoss(), torch.tensor([0, 2])
    model.train()
    model(torch.randn(2, 3, 8, 8))
    extra = model.auxiliary_loss(loss_fn, y)
    assert torch.allclose(extra, 0.4 * loss_fn(model.last_aux_logits, y))
    model.eval()
    model(torch.randn(2, 3, 8, 8))
    assert model.auxiliary_loss(loss_fn, y) is None
