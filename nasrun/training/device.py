"""Which device a run uses (``auto`` takes CUDA when there is one), and freeing its memory."""

from __future__ import annotations

import gc

import torch

from nasrun.errors import NasrunError


def resolve_device(name: str) -> torch.device:
    """The device ``name`` names, refused in one line when this machine does not have it (else
    the first tensor put there fails, and the error blames whatever made it: the dataset)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise NasrunError(f"unknown device {name!r}; use auto, cpu, cuda[:N] or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise NasrunError(
                f"device={name} asked for, but no CUDA device is visible; use device=auto or cpu"
            )
        if device.index is not None and device.index >= count:
            raise NasrunError(
                f"device={name}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
            )
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise NasrunError(
                f"device={name} asked for, but this PyTorch build or machine has no MPS "
                "(Apple GPU) support; use device=auto or cpu"
            )
    elif device.type != "cpu":
        raise NasrunError(f"device={name}: nasrun runs on auto, cpu, cuda[:N] or mps")
    return device


def free_device_memory() -> None:
    """Returns the memory of a finished (e.g. out-of-memory) trial to the device.

    Called once the trial's frames are gone: until then its exception's traceback holds the
    network and its activations. ``gc`` breaks their reference cycles; the CUDA caching
    allocator then hands the freed blocks back, so the next trial starts with the device as
    empty as the first one did.
    """
    gc.collect()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
