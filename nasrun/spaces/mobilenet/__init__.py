"""The MobileNet space of MBConv blocks (MobileNetV2, MnasNet, ProxylessNAS): space, network,
supernet."""

from nasrun.spaces.mobilenet.network import LayerSpec, MobileNet
from nasrun.spaces.mobilenet.space import MobileNetSpace

__all__ = ["LayerSpec", "MobileNet", "MobileNetSpace"]
