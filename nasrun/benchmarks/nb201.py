"""NAS-Bench-201 (Dong & Yang, ICLR 2020; NATS-Bench topology space) as two local CSV tables.

The folder ``<data_dir>/nb201/`` must hold both files, each with a header row and one row per
architecture (15,625 in the full benchmark), in the benchmark's index order (row i = index i):

``nats_bench.csv`` — 200-epoch test accuracies, in percent:
    ``ArchitectureString`` (the NB201 cell string), ``CIFAR10TestAccuracy200Epochs``,
    ``CIFAR100TestAccuracy200Epochs``, ``ImageNetTestAccuracy200Epochs``.

``mini-bench-arch-cell-accs.csv`` — 12-epoch results (NB201's hp='12' schedule), in percent:
    ``arch`` (benchmark index), ``cellstr`` (the NB201 cell string), ``cifar10-val``,
    ``cifar10-test``, ``cifar100-val``, ``cifar100-test``, ``imagenet-val``, ``imagenet-test``.

Other columns are ignored (and not read). Both files must list the same cell strings in the same
order. Any other layout gives one :class:`NasrunError` line saying what is wrong. The tables are
read once per process and folder (and again if a file changes).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nasrun.errors import NasrunError

FINAL_FILE = "nats_bench.csv"
SHORT_FILE = "mini-bench-arch-cell-accs.csv"
FILES = (FINAL_FILE, SHORT_FILE)

#: Per dataset: (200-epoch test column, 12-epoch valid column, 12-epoch test column).
_COLUMNS = {
    "cifar10": ("CIFAR10TestAccuracy200Epochs", "cifar10-val", "cifar10-test"),
    "cifar100": ("CIFAR100TestAccuracy200Epochs", "cifar100-val", "cifar100-test"),
    "imagenet16-120": ("ImageNetTestAccuracy200Epochs", "imagenet-val", "imagenet-test"),
}
NB201_DATASETS = tuple(_COLUMNS)
_FINAL_ARCH, _SHORT_ARCH, _SHORT_INDEX = "ArchitectureString", "cellstr", "arch"


@dataclass(frozen=True)
class NB201Record:
    """One architecture's benchmark results on one dataset (accuracies in percent)."""

    index: int
    arch: str
    valid_acc_12ep: float
    test_acc_12ep: float
    test_acc_200ep: float


class NB201Benchmark:
    """Look-ups in the NAS-Bench-201 tables under ``root/nb201/`` (see the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.folder = Path(root).expanduser() / "nb201"
        paths = [self.folder / name for name in FILES]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            raise NasrunError(
                f"NAS-Bench-201 tables not found: expected {' and '.join(FILES)} in "
                f"{self.folder} (missing {', '.join(missing)}; see docs/nb201.md)"
            )
        stamps = tuple(p.stat().st_mtime_ns for p in paths)
        self.final, self.short, self.indices, self.columns = _load(str(self.folder), stamps)

    def __len__(self) -> int:
        return len(self.indices)

    def arch_strings(self) -> list[str]:
        """Every cell string, in benchmark index order."""
        return self.final[_FINAL_ARCH].tolist()

    def index(self, arch: str) -> int:
        try:
            return self.indices[arch]
        except KeyError:
            raise NasrunError(
                f"architecture {arch!r} is not in the NAS-Bench-201 tables in {self.folder}"
            ) from None

    def lookup(self, arch: str, dataset: str = "cifar10") -> NB201Record:
        final_col, valid_col, test_col = dataset_columns(dataset)
        row, columns = self.index(arch), self.columns
        return NB201Record(
            index=columns[_SHORT_INDEX][row],
            arch=arch,
            valid_acc_12ep=columns[valid_col][row],
            test_acc_12ep=columns[test_col][row],
            test_acc_200ep=columns[final_col][row],
        )


def dataset_columns(dataset: str) -> tuple[str, str, str]:
    try:
        return _COLUMNS[dataset]
    except KeyError:
        raise NasrunError(
            f"NAS-Bench-201 has no dataset {dataset!r}; choose from {', '.join(NB201_DATASETS)}"
        ) from None


@functools.lru_cache(maxsize=4)
def _load(folder: str, stamps: tuple[int, ...]) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict]:
    """Both tables, the string -> row map and each number column as a Python list (a look-up
    is then two list indexings, not a pandas call: a search makes thousands); ``stamps`` (file
    mtimes) re-read changed files."""
    final_numbers = [final for final, _, _ in _COLUMNS.values()]
    short_numbers = [c for _, valid, test in _COLUMNS.values() for c in (valid, test)]
    final = _read(Path(folder) / FINAL_FILE, [_FINAL_ARCH], final_numbers)
    short = _read(Path(folder) / SHORT_FILE, [_SHORT_ARCH, _SHORT_INDEX], short_numbers)
    if len(final) != len(short) or not final[_FINAL_ARCH].equals(short[_SHORT_ARCH]):
        raise NasrunError(
            f"NAS-Bench-201 tables in {folder} disagree: {FINAL_FILE} and {SHORT_FILE} must list "
            "the same cell strings in the same order"
        )
    indices = {arch: row for row, arch in enumerate(final[_FINAL_ARCH])}
    if len(indices) != len(final):
        raise NasrunError(f"NAS-Bench-201 table {folder}/{FINAL_FILE} repeats cell strings")
    columns = {c: final[c].tolist() for c in final_numbers}
    columns |= {c: short[c].tolist() for c in [*short_numbers, _SHORT_INDEX]}
    return final, short, indices, columns


def _read(path: Path, keys: list[str], numbers: list[str]) -> pd.DataFrame:
    wanted = keys + numbers
    try:
        header = pd.read_csv(path, nrows=0).columns
        missing = [c for c in wanted if c not in header]
        if missing:
            raise NasrunError(
                f"NAS-Bench-201 table {path} lacks columns {', '.join(missing)} "
                "(see docs/nb201.md for the expected format)"
            )
        frame = pd.read_csv(path, usecols=wanted, dtype={keys[0]: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise NasrunError(f"NAS-Bench-201 table {path} is not a readable CSV: {error}") from None
    bad = [c for c in numbers + keys[1:] if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad or frame[wanted].isna().any().any():
        raise NasrunError(
            f"NAS-Bench-201 table {path} has empty or non-numeric values in "
            f"{', '.join(bad or [c for c in wanted if frame[c].isna().any()])}"
        )
    return frame
