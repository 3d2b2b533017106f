"""The inverted-residual block, MBConv (Sandler et al., MobileNetV2, CVPR 2018), with the optional
squeeze-and-excitation of MnasNet (Tan et al., CVPR 2019): the block of the MobileNetV2, MnasNet
and ProxylessNAS (Cai et al., ICLR 2019) networks.

``1x1 expand -> BN -> act -> kxk depthwise -> BN -> act -> [SE] -> 1x1 project -> BN``, plus the
input when stride and widths allow. An expansion of 1 has no expand convolution (MobileNetV2's
and ProxylessNAS' first block), so the counts equal torchvision's networks.
"""

from __future__ import annotations

import torch
from torch import nn

from nasrun.layers.squeeze_excite import SqueezeExcite

#: Activation names a space config may give.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "swish": nn.SiLU,
    "hswish": nn.Hardswish,
}


def conv_bn_act(
    c_in: int,
    c_out: int,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    activation: type[nn.Module] | None = nn.ReLU6,
) -> nn.Sequential:
    """A bias-free convolution (padded to keep the size at stride 1), batch norm and activation
    (none when ``activation`` is None: a linear bottleneck)."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
    ]
    if activation is not None:
        layers.append(activation(inplace=True))
    return nn.Sequential(*layers)


class MBConv(nn.Module):
    """One inverted-residual block. ``se_ratio`` > 0 adds SE with ``max(1, int(c_in * se_ratio))``
    hidden channels (MnasNet's ratio is of the block's input width, not its expanded width).

    ``body`` is the block without its shortcut, so a supernet can mix several bodies around one
    shortcut (ProxylessNAS' mixed op); ``residual`` says whether the input is added.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int = 3,
        stride: int = 1,
        expansion: int = 6,
        se_ratio: float = 0.0,
        activation: str = "relu6",
    ) -> None:
        super().__init__()
        act = ACTIVATIONS[activation]
        hidden = c_in * expansion
        layers: list[nn.Module] = []
        if expansion != 1:
            layers.append(conv_bn_act(c_in, hidden, 1, activation=act))
        layers.append(conv_bn_act(hidden, hidden, kernel, stride, groups=hidden, activation=act))
        if se_ratio > 0:
            layers.append(SqueezeExcite(hidden, max(1, int(c_in * se_ratio)), act))
        layers.append(conv_bn_act(hidden, c_out, 1, activation=None))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y
