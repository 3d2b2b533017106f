"""Reusable network layers, one concept a module (as timm's ``layers/``). The op-name tables that
pick among them belong to the space families (``nasrun.spaces.<family>.ops``)."""

from nasrun.layers.auxiliary_head import AuxiliaryHead
from nasrun.layers.dil_conv import DilConv
from nasrun.layers.drop_path import drop_path
from nasrun.layers.factorized_conv import BottleneckFactorizedConv, FactorizedConv
from nasrun.layers.factorized_reduce import FactorizedReduce
from nasrun.layers.relu_conv_bn import ReLUConvBN
from nasrun.layers.resnet_block import ResNetBasicBlock
from nasrun.layers.sep_conv import SepConv
from nasrun.layers.zero import Zero

__all__ = [
    "AuxiliaryHead",
    "BottleneckFactorizedConv",
    "DilConv",
    "FactorizedConv",
    "FactorizedReduce",
    "ReLUConvBN",
    "ResNetBasicBlock",
    "SepConv",
    "Zero",
    "drop_path",
]
