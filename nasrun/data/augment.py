"""Batch augmentation that runs on the data's device (no per-image Python loop).

Random numbers are drawn by ``generator`` on its own device: a generator on the data's device
(the trainer makes one on CUDA) keeps every step free of host-to-device copies, which would
otherwise make the host wait for the device once per batch.
"""

from __future__ import annotations

import torch


def _randint(high: int, shape: tuple[int, ...], generator: torch.Generator, device: torch.device):
    return torch.randint(0, high, shape, generator=generator, device=generator.device).to(device)


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """The standard CIFAR augmentation: pad by ``padding``, random crop back, random h-flip."""
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dy, dx = _randint(2 * padding + 1, (2, n), generator, x.device)
    rows = (torch.arange(h, device=x.device)[None, :] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=x.device)[None, :] + dx[:, None])[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    cropped = padded[batch, channel, rows, cols]
    flip = (torch.rand(n, generator=generator, device=generator.device) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], cropped.flip(-1), cropped)


def cutout(x: torch.Tensor, generator: torch.Generator, size: int) -> torch.Tensor:
    """DeVries & Taylor 2017: zero one ``size`` x ``size`` square per image at a random centre
    (clipped at the borders), as the DARTS evaluation recipe does."""
    n, _, h, w = x.shape
    cy, cx = _randint(h, (n,), generator, x.device), _randint(w, (n,), generator, x.device)
    rows = torch.arange(h, device=x.device)[None, :] - (cy[:, None] - size // 2)
    cols = torch.arange(w, device=x.device)[None, :] - (cx[:, None] - size // 2)
    inside_rows, inside_cols = (rows >= 0) & (rows < size), (cols >= 0) & (cols < size)
    hole = inside_rows[:, None, :, None] & inside_cols[:, None, None, :]
    return x.masked_fill(hole, 0.0)
