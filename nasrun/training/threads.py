"""How many CPU threads torch uses: set on purpose, never left to torch's default.

torch starts one intra-op thread per core it sees, whatever else runs there; two such
processes on two cores (a joblib sweep, or one busy neighbour) make every convolution fight
for the cores: a DARTS-cell training step took 7.2–8.9 s with torch's 2 threads and
0.11–0.18 s with one on a 2-core machine shared with one other busy process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch

from nasrun.errors import NasrunError


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. a SLURM allocation)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity masks
        return os.cpu_count() or 1


def job_threads(launcher: Mapping[str, Any] | None = None) -> int:
    """The threads one job should use: the CPUs a submitit launcher gives each task
    (``cpus_per_task``), or this process's cores shared out among the jobs a joblib launcher
    runs at once (``n_jobs``; -1 is every core, -2 all but one, ...), or all of them."""
    cores = available_cores()
    launcher = launcher or {}
    if launcher.get("cpus_per_task"):
        return int(launcher["cpus_per_task"])
    n_jobs = launcher.get("n_jobs")
    if not n_jobs:
        return cores
    workers = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
    return max(1, cores // workers)


def set_threads(
    threads: int | None, launcher: Mapping[str, Any] | None = None, workers: int = 1
) -> int:
    """Sets torch's intra-op threads; returns the number. ``None``: one job's threads
    (:func:`job_threads`) shared out among the job's ``workers`` (``workers=N``)."""
    if threads is not None and threads < 1:
        raise NasrunError(f"threads must be at least 1 (or null), got {threads}")
    count = threads or max(1, job_threads(launcher) // max(1, workers))
    torch.set_num_threads(count)
    return count
