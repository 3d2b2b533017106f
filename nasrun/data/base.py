"""Image-classification data held as tensors on the run's device.

Every data set in nasrun is small enough (or, for CIFAR, just large enough) to live on the
device whole, so batches are index slices: no DataLoader workers, no host-to-device copies
inside the training loop. Images that come as bytes (CIFAR) stay bytes on the device and are
normalised batch by batch there, where the augmentation also runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

import torch
import torch.nn.functional as F

from nasrun.data.augment import cutout, random_crop_flip
from nasrun.errors import NasrunError


@dataclass(frozen=True)
class Split:
    """Examples and labels. ``stored`` is either normalised float images, or raw pixels (uint8,
    a quarter of the device memory) with the per-channel ``mean`` and ``std`` that normalise
    them; then each batch is normalised on the device as it is drawn."""

    stored: torch.Tensor  # (N, C, H, W)
    y: torch.Tensor  # (N,) int64
    mean: torch.Tensor | None = None  # (1, C, 1, 1), in stored units; None: already normalised
    std: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.y)

    @cached_property
    def x(self) -> torch.Tensor:
        """Every example, normalised: for raw bytes a float copy, made once on first use (the
        trainer never asks for it; code that slices whole splits does)."""
        return self.normalised(self.stored)

    @property
    def device(self) -> torch.device:
        return self.stored.device

    @property
    def shape(self) -> tuple[int, ...]:
        """One example's shape (C, H, W)."""
        return tuple(self.stored.shape[1:])

    def normalised(self, x: torch.Tensor) -> torch.Tensor:
        if self.mean is None:
            return x
        if x.is_floating_point():  # a slice of ``stored``: never normalised in place
            return (x - self.mean) / self.std
        return x.float().sub_(self.mean).div_(self.std)  # the new float copy, in place

    def head(self, fraction: float) -> Split:
        """The first ``fraction`` of the split (already shuffled when it was made)."""
        n = max(1, round(len(self) * fraction))
        return replace(self, stored=self.stored[:n], y=self.y[:n])

    def batches(
        self, batch_size: int, generator: torch.Generator | None = None
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Normalised mini-batches in order, or shuffled when a ``generator`` is given. The
        order is drawn once per pass, so no step waits on the host."""
        n = len(self)
        order = torch.randperm(n, generator=generator).to(self.device) if generator else None
        for start in range(0, n, batch_size):
            if order is None:
                x, y = self.stored[start : start + batch_size], self.y[start : start + batch_size]
            else:
                idx = order[start : start + batch_size]
                x, y = self.stored[idx], self.y[idx]
            yield self.normalised(x), y


class DataModule:
    """Train / valid / test splits on one device, with the shape facts a network needs."""

    name: str = ""

    def __init__(
        self,
        train: Split,
        valid: Split,
        test: Split,
        num_classes: int,
        augment: bool = False,
        cutout: int = 0,
    ) -> None:
        self.train, self.valid, self.test = train, valid, test
        self.num_classes = num_classes
        self.augment = augment
        self.cutout = cutout

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.train.shape  # type: ignore[return-value]

    @property
    def device(self) -> torch.device:
        return self.train.device

    def resized(self, side: int) -> DataModule:
        """The same data with images resampled to ``side`` x ``side`` pixels (antialiased), the
        lower-resolution proxy of a low-fidelity estimate (Chrabaszcz et al. 2017)."""
        if side < 1:
            raise NasrunError(f"resolution must be at least 1 pixel, got {side}")

        def resize(split: Split) -> Split:
            x = F.interpolate(split.x, size=(side, side), mode="bilinear", antialias=True)
            return Split(x, split.y)

        proxy = copy.copy(self)
        proxy.train, proxy.valid, proxy.test = (
            resize(s) for s in (self.train, self.valid, self.test)
        )
        return proxy

    def train_transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Augmentation for a training batch: CIFAR crop + flip, then cutout, where enabled."""
        x = random_crop_flip(x, generator) if self.augment else x
        return cutout(x, generator, self.cutout) if self.cutout else x

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(train={len(self.train)}, valid={len(self.valid)}, "
            f"test={len(self.test)}, classes={self.num_classes}, shape={self.input_shape})"
        )


def split_tensors(
    x: torch.Tensor,
    y: torch.Tensor,
    fractions: tuple[float, float],
    split_seed: int,
    device: torch.device,
) -> tuple[Split, Split, Split]:
    """Shuffles (x, y) with ``split_seed`` and cuts it into train / valid / test.

    ``fractions`` are the valid and test shares; the rest is train.
    """
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(split_seed))
    x, y = x[order].to(device), y[order].to(device)
    n_valid, n_test = (round(len(y) * f) for f in fractions)
    n_train = len(y) - n_valid - n_test
    if min(n_train, n_valid, n_test) < 1:
        raise ValueError(f"fractions {fractions} leave an empty split of {len(y)} examples")
    cuts = (n_train, n_train + n_valid)
    return (
        Split(x[: cuts[0]], y[: cuts[0]]),
        Split(x[cuts[0] : cuts[1]], y[cuts[0] : cuts[1]]),
        Split(x[cuts[1] :], y[cuts[1] :]),
    )


def channel_statistics(reference: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation (shaped (1, C, 1, 1)) of ``reference`` (the
    train split), one channel at a time, so raw uint8 images never exist whole in float."""
    stats = [torch.std_mean(reference[:, c].float()) for c in range(reference.shape[1])]
    std, mean = (torch.stack(v).float().view(1, -1, 1, 1) for v in zip(*stats, strict=True))
    return mean, std.clamp_min(1e-6)


def standardise(x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Per-channel zero mean, unit variance, with statistics of ``reference`` (the train split)."""
    mean, std = channel_statistics(reference)
    return (x - mean) / std
