"""Data modules: deterministic disjoint splits, local CIFAR files, one-line errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from nasrun.data import Cifar10, Cifar100, Digits, Synthetic
from nasrun.data.augment import random_crop_flip
from nasrun.errors import NasrunError


def write_fake_cifar(root: Path, name: str, per_batch: int = 20) -> None:
    """A few random images in the official python-pickle layout of CIFAR-10 / CIFAR-100."""
    rng = np.random.default_rng(0)

    def dump(path: Path, n: int, label_key: str, classes: int) -> None:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        with open(path, "wb") as f:
            pickle.dump({"data": data, label_key: rng.integers(0, classes, n).tolist()}, f)

    if name == "cifar10":
        folder = root / "cifar-10-batches-py"
        folder.mkdir(parents=True)
        for i in range(1, 6):
            dump(folder / f"data_batch_{i}", per_batch, "labels", 10)
        dump(folder / "test_batch", per_batch, "labels", 10)
        with open(folder / "batches.meta", "wb") as f:
            pickle.dump({"label_names": [f"c{i}" for i in range(10)]}, f)
    else:
        folder = root / "cifar-100-python"
        folder.mkdir(parents=True)
        dump(folder / "train", 5 * per_batch, "fine_labels", 100)
        dump(folder / "test", per_batch, "fine_labels", 100)
        with open(folder / "meta", "wb") as f:
            pickle.dump({"fine_label_names": [f"c{i}" for i in range(100)]}, f)


def test_digits_splits_are_disjoint_deterministic_and_standardised():
    a, b = Digits(split_seed=3), Digits(split_seed=3)
    assert len(a.train) + len(a.valid) + len(a.test) == 1797
    assert torch.equal(a.valid.y, b.valid.y) and torch.equal(a.test.x, b.test.x)
    assert not torch.equal(a.valid.y, Digits(split_seed=4).valid.y)
    assert a.input_shape == (1, 8, 8) and a.num_classes == 10
    assert abs(a.train.x.mean().item()) < 1e-4


def test_synthetic_has_the_asked_shape():
    data = Synthetic(num_classes=4, channels=2, image_size=12, num_examples=100)
    assert data.input_shape == (2, 12, 12) and data.num_classes == 4
    assert set(data.train.y.tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize(
    ("name", "cls", "classes"), [("cifar10", Cifar10, 10), ("cifar100", Cifar100, 100)]
)
def test_cifar_reads_local_python_batches(tmp_path, name, cls, classes):
    write_fake_cifar(tmp_path, name)
    data = cls(root=tmp_path, valid_size=10)
    assert data.input_shape == (3, 32, 32) and data.num_classes == classes
    assert len(data.valid) == 10 and len(data.train) == 90 and len(data.test) == 20
    assert data.augment


def test_cifar_missing_folder_names_the_expected_files(tmp_path):
    with pytest.raises(NasrunError, match=r"cifar-10-batches-py/ \(data_batch_1.*missing"):
        Cifar10(root=tmp_path)


def test_batches_cover_the_split_once():
    data = Synthetic(num_examples=50)
    seen = torch.cat([y for _, y in data.train.batches(7, torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == sorted(data.train.y.tolist())


def test_crop_flip_keeps_shape_and_content_scale():
    x = torch.randn(5, 3, 8, 8)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), padding=2)
    assert out.shape == x.shape
    assert not torch.equal(out, x)
