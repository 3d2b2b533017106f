"""scikit-learn's bundled 8x8 handwritten digits: real data that needs no download."""

from __future__ import annotations

import torch

from nasrun.data.base import DataModule, split_tensors, standardise


class Digits(DataModule):
    """1,797 grey 8x8 images of the digits 0-9 (UCI optical digits, shipped with scikit-learn)."""

    name = "digits"

    def __init__(
        self,
        device: torch.device | str = "cpu",
        valid_fraction: float = 0.2,
        test_fraction: float = 0.2,
        split_seed: int = 0,
    ) -> None:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        x = torch.tensor(bunch.images, dtype=torch.float32).unsqueeze(1)
        y = torch.tensor(bunch.target, dtype=torch.int64)
        train, valid, test = split_tensors(
            x, y, (valid_fraction, test_fraction), split_seed, torch.device(device)
        )
        norm = lambda s: type(s)(standardise(s.x, train.x), s.y)  # noqa: E731
        super().__init__(norm(train), norm(valid), norm(test), num_classes=10)
