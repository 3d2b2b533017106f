"""The MobileNet space's names and strings: block ops (``k5_e3_se``, ``zero``) and the
architecture string, one ``|``-separated token per stage::

    d2w1:k3_e6,k3_e6,zero,zero|d3w1:k5_e3_se,k5_e3_se,k5_e3_se,zero|...

``d<depth>w<width>:`` then every block's op; blocks past the depth are listed too, so the string
is lossless.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from nasrun.errors import NasrunError

#: ProxylessNAS' zero op: the block is skipped and its identity shortcut remains.
ZERO = "zero"
_OP = re.compile(r"^k(?P<kernel>\d+)_e(?P<expansion>\d+)(?P<se>_se)?$")
_STAGE = re.compile(r"^d(?P<depth>\d+)w(?P<width>[\d.]+):(?P<ops>.*)$")


def op_name(kernel: int, expansion: int, se: bool) -> str:
    return f"k{kernel}_e{expansion}" + ("_se" if se else "")


def parse_op(name: str) -> tuple[int, int, bool]:
    """``k5_e3_se`` -> (5, 3, True)."""
    match = _OP.match(name)
    if match is None:
        raise NasrunError(f"mobilenet: cannot read op {name!r} (expected e.g. k5_e3 or k3_e6_se)")
    return int(match["kernel"]), int(match["expansion"]), bool(match["se"])


def format_stages(stages: Sequence[dict[str, Any]]) -> str:
    """The string of stages given as dicts of depth, width and ops."""
    return "|".join(
        f"d{stage['depth']}w{float(stage['width']):g}:" + ",".join(stage["ops"]) for stage in stages
    )


def parse_stages(text: str, stage_layers: Sequence[int]) -> list[dict[str, Any]]:
    """:func:`format_stages`' inverse for a space of ``stage_layers`` blocks per stage; the
    values are checked against the space's choices by the caller."""
    tokens = text.strip().split("|")
    if len(tokens) != len(stage_layers):
        raise NasrunError(
            f"mobilenet: expected {len(stage_layers)} stages in {text!r}, got {len(tokens)}"
        )
    stages = []
    for s, token in enumerate(tokens):
        match = _STAGE.match(token)
        ops = match["ops"].split(",") if match else []
        if match is None or len(ops) != stage_layers[s]:
            raise NasrunError(
                f"mobilenet: cannot read stage {s} {token!r} (expected d<depth>w<width>: and "
                f"{stage_layers[s]} comma-separated ops, e.g. d2w1:k3_e6,k5_e3_se,zero,zero)"
            )
        try:
            width = float(match["width"])
        except ValueError:
            raise NasrunError(f"mobilenet: stage {s}: bad width in {token!r}") from None
        stages.append({"depth": int(match["depth"]), "width": width, "ops": ops})
    return stages
