"""Tabular NAS benchmarks: precomputed results of every architecture of a space, read from
local files (never downloaded)."""

from nasrun.benchmarks.nb201 import NB201_DATASETS, NB201Benchmark, NB201Record

__all__ = ["NB201_DATASETS", "NB201Benchmark", "NB201Record"]
