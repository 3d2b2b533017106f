"""Procedurally generated image classification of any size: learnable, instant, offline."""

from __future__ import annotations

import torch

from nasrun.data.base import DataModule, split_tensors


class Synthetic(DataModule):
    """Each class is a smooth random prototype image; examples are shifted, scaled, noisy copies.

    A small CNN separates the classes within a few epochs, but not in one step, so the data is
    good for tests and for timing networks at real image sizes (e.g. 3x32x32 for CIFAR shapes).
    """

    name = "synthetic"

    def __init__(
        self,
        device: torch.device | str = "cpu",
        num_classes: int = 10,
        channels: int = 3,
        image_size: int = 16,
        num_examples: int = 1000,
        noise: float = 0.6,
        valid_fraction: float = 0.2,
        test_fraction: float = 0.2,
        split_seed: int = 0,
    ) -> None:
        g = torch.Generator().manual_seed(split_seed)
        # Low-frequency prototypes: upsampled 4x4 noise, so nearby pixels correlate like images.
        coarse = torch.randn(num_classes, channels, 4, 4, generator=g)
        prototypes = torch.nn.functional.interpolate(
            coarse, size=(image_size, image_size), mode="bilinear", align_corners=False
        )
        y = torch.arange(num_examples) % num_classes
        shifts = torch.randint(-2, 3, (num_examples, 2), generator=g)
        x = torch.stack(
            [
                torch.roll(prototypes[c], tuple(s.tolist()), dims=(1, 2))
                for c, s in zip(y, shifts, strict=True)
            ]
        )
        x = x * (0.5 + torch.rand(num_examples, 1, 1, 1, generator=g))
        x = x + noise * torch.randn(x.shape, generator=g)
        train, valid, test = split_tensors(
            x, y, (valid_fraction, test_fraction), split_seed, torch.device(device)
        )
        super().__init__(train, valid, test, num_classes=num_classes)
