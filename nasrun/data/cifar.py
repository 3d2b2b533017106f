"""CIFAR-10 and CIFAR-100 from a local copy of the python batches (never downloaded).

The official python pickles are read directly: torchvision's readers insist on an md5 check
that costs a full extra read of every file on each load. A pickle can name any function to
call, so they are read with an unpickler that resolves only what the batches hold (numpy
arrays); a file that names anything else is refused, not run.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch

from nasrun.data.base import DataModule, Split, channel_statistics
from nasrun.errors import NasrunError


class _Cifar(DataModule):
    folder = ""
    train_files: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    label_key = ""
    classes = 0

    @property
    def files(self) -> tuple[str, ...]:
        return self.train_files + self.test_files

    def __init__(
        self,
        root: str | Path,
        device: torch.device | str = "cpu",
        valid_size: int = 5000,
        split_seed: int = 0,
        augment: bool = True,
        cutout: int = 0,
    ) -> None:
        root = Path(root)
        missing = [f for f in self.files if not (root / self.folder / f).is_file()]
        if missing:
            raise NasrunError(
                f"{self.name}: expected the python batches in {root / self.folder}/ "
                f"({', '.join(self.files)}); missing {', '.join(missing)}. nasrun never downloads: "
                f"unpack the official archive under {root}/ or set data_dir / NASRUN_DATA"
            )
        folder = root / self.folder
        x, y = _read_batches([folder / f for f in self.train_files], self.label_key, self.name)
        test = Split(
            *_read_batches([folder / f for f in self.test_files], self.label_key, self.name)
        )
        device = torch.device(device)
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(split_seed))
        x, y = x[order], y[order]
        if not 0 < valid_size < len(y):
            raise NasrunError(f"{self.name}: valid_size must be between 1 and {len(y) - 1}")
        train = Split(x[valid_size:], y[valid_size:])
        valid = Split(x[:valid_size], y[:valid_size])
        mean, std = channel_statistics(train.stored)
        # Raw bytes on the device (a quarter of float's memory), normalised per batch there.
        mean, std = mean.to(device), std.to(device)

        def on_device(split: Split) -> Split:
            return Split(split.stored.to(device), split.y.to(device), mean, std)

        super().__init__(
            on_device(train),
            on_device(valid),
            on_device(test),
            num_classes=self.classes,
            augment=augment,
            cutout=cutout,
        )


def _read_batches(
    files: list[Path], label_key: str, name: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (uint8, N x 3 x 32 x 32) and labels from the official python pickles."""
    images, labels = [], []
    for file in files:
        try:
            with open(file, "rb") as f:
                batch = _BatchUnpickler(f, encoding="latin1").load()
            data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            if len(data) != len(batch[label_key]):
                raise ValueError(f"{len(data)} images but {len(batch[label_key])} labels")
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            reason = f"no {error} entry" if isinstance(error, KeyError) else str(error)
            raise NasrunError(
                f"{name}: {file} is not a CIFAR python batch ({type(error).__name__}: {reason}); "
                "unpack the official archive again"
            ) from None
        images.append(data)
        labels += batch[label_key]
    return torch.from_numpy(np.concatenate(images)), torch.tensor(labels, dtype=torch.int64)


class _BatchUnpickler(pickle.Unpickler):
    """Resolves only the numpy names a pickled array refers to (numpy 1 and 2 spellings)."""

    ALLOWED = frozenset(
        {
            *((m, "_reconstruct") for m in ("numpy.core.multiarray", "numpy._core.multiarray")),
            *((m, "scalar") for m in ("numpy.core.multiarray", "numpy._core.multiarray")),
            *((m, "_frombuffer") for m in ("numpy.core.numeric", "numpy._core.numeric")),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
        }
    )

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


class Cifar10(_Cifar):
    """CIFAR-10 (Krizhevsky 2009); the train set is cut into train and a held-out valid split."""

    name = "cifar10"
    folder = "cifar-10-batches-py"
    train_files = tuple(f"data_batch_{i}" for i in range(1, 6))
    test_files = ("test_batch",)
    label_key = "labels"
    classes = 10


class Cifar100(_Cifar):
    """CIFAR-100 (Krizhevsky 2009), fine labels."""

    name = "cifar100"
    folder = "cifar-100-python"
    train_files = ("train",)
    test_files = ("test",)
    label_key = "fine_labels"
    classes = 100
