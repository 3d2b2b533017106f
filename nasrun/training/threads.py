"""How many CPU threads torch uses: set on purpose, never left to torch's default.

torch starts one intra-op thread per core it sees, whatever else runs there; two such
processes on two cores (a joblib sweep, or one busy neighbour) make every convolution fight
for the cores: a DARTS-cell training step took 7.2–8.9 s with torch's 2 threads and
0.11–0.18 s with one on a 2-core machine shared with one other busy process.
"""

from __future__ import annotations

import os

import torch

from nasrun.errors import NasrunError


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. a SLURM allocation)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity masks
        return os.cpu_count() or 1


def default_threads(local_workers: int = 1) -> int:
    """The cores of this process shared out among the workers on this machine."""
    return max(1, available_cores() // max(1, local_workers))


def set_threads(threads: int | None, local_workers: int = 1) -> int:
    """Sets torch's intra-op threads (``None``: :func:`default_threads`); returns the number."""
    if threads is not None and threads < 1:
        raise NasrunError(f"threads must be at least 1 (or null), got {threads}")
    count = threads or default_threads(local_workers)
    torch.set_num_threads(count)
    return count
