"""Which device a run uses: ``auto`` takes CUDA when there is one."""

from __future__ import annotations

import torch

from nasrun.errors import NasrunError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise NasrunError(
            f"device={name} asked for, but no CUDA device is visible; use device=auto or cpu"
        )
    try:
        return torch.device(name)
    except RuntimeError:
        raise NasrunError(f"unknown device {name!r}; use auto, cpu or cuda[:N]") from None
