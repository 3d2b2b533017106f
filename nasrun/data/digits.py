"""scikit-learn's bundled 8x8 handwritten digits: real data that needs no download."""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

from nasrun.data.base import DataModule, split_tensors, standardise
from nasrun.errors import NasrunError


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
        table = torch.from_numpy(_digits_table())
        x = table[:, :-1].reshape(-1, 1, 8, 8)
        y = table[:, -1].to(torch.int64)
        train, valid, test = split_tensors(
            x, y, (valid_fraction, test_fraction), split_seed, torch.device(device)
        )
        norm = lambda s: type(s)(standardise(s.x, train.x), s.y)  # noqa: E731
        super().__init__(norm(train), norm(valid), norm(test), num_classes=10)


@functools.cache
def _digits_table() -> np.ndarray:
    """The 1,797 x 65 table (64 pixels, then the label) that ``sklearn.datasets.load_digits``
    reads, read here straight from scikit-learn's data folder: importing scikit-learn to get
    it took seconds of every run's start-up (7.5 s on a loaded 2-core machine, vs 0.03 s)."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    folders = spec.submodule_search_locations if spec is not None else None
    if not folders:
        raise NasrunError("dataset=digits needs scikit-learn installed (it ships the digits)")
    with gzip.open(Path(folders[0]) / "datasets" / "data" / "digits.csv.gz") as file:
        return np.loadtxt(file, delimiter=",", dtype=np.float32)
