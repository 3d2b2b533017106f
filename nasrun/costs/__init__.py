"""Cost models of architectures: parameters and FLOPs (:mod:`nasrun.training.costs`) and measured
latency (a per-layer look-up table, built once per device and cached under the output root)."""

from nasrun.costs.cache import latency_table, table_path
from nasrun.costs.table import LatencyTable
from nasrun.costs.timing import Timing, device_label, fixed_threads, measure_ms
from nasrun.training.costs import count_flops, count_params

__all__ = [
    "LatencyTable",
    "Timing",
    "count_flops",
    "count_params",
    "device_label",
    "fixed_threads",
    "latency_table",
    "measure_ms",
    "table_path",
]
