"""Batch augmentation that runs on the data's device (no per-image Python loop)."""

from __future__ import annotations

import torch


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """The standard CIFAR augmentation: pad by ``padding``, random crop back, random h-flip."""
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dy, dx = (torch.randint(0, 2 * padding + 1, (2, n), generator=generator)).to(x.device)
    rows = (torch.arange(h, device=x.device)[None, :] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=x.device)[None, :] + dx[:, None])[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    cropped = padded[batch, channel, rows, cols]
    flip = (torch.rand(n, generator=generator) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], cropped.flip(-1), cropped)


def cutout(x: torch.Tensor, generator: torch.Generator, size: int) -> torch.Tensor:
    """DeVries & Taylor 2017: zero one ``size`` x ``size`` square per image at a random centre
    (clipped at the borders), as the DARTS evaluation recipe does."""
    n, _, h, w = x.shape
    cy = torch.randint(0, h, (n,), generator=generator).to(x.device)
    cx = torch.randint(0, w, (n,), generator=generator).to(x.device)
    rows = torch.arange(h, device=x.device)[None, :] - (cy[:, None] - size // 2)
    cols = torch.arange(w, device=x.device)[None, :] - (cx[:, None] - size // 2)
    inside_rows, inside_cols = (rows >= 0) & (rows < size), (cols >= 0) & (cols < size)
    hole = inside_rows[:, None, :, None] & inside_cols[:, None, None, :]
    return x.masked_fill(hole, 0.0)
