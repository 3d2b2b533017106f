"""Timing one module on one device: the measurement every latency figure of nasrun comes from.

CPU: with a fixed number of intra-op threads, a statistic (the mean by default) of ``repeats``
timed runs after ``warmup`` untimed ones. CUDA: the same, each run ended by a device
synchronisation, since kernels are launched asynchronously.

On a CPU shared with other busy processes the wall clock also counts the time the scheduler
gives them: a 25 ms network measured 64 ms with a load of 8 on 2 cores. With one thread every
operation runs on the calling thread, so its CPU time (``clock="cpu"``, the default there)
leaves out the time it waited for a core.
"""

from __future__ import annotations

import contextlib
import platform
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from nasrun.errors import NasrunError


@dataclass(frozen=True)
class Timing:
    """How latencies are measured: a table and its validation must use the same."""

    threads: int = 1  # CPU intra-op threads
    batch: int = 1
    repeats: int = 20
    warmup: int = 3
    # auto: cpu on a CPU with one thread, else wall | wall | cpu (the measuring thread's CPU
    # time, which leaves out the time a busy machine's scheduler gives other processes)
    clock: str = "auto"
    # mean | median | min over the repeats. The mean adds up: a network's mean latency is the
    # sum of its layers' means, while a sum of medians misses the spikes a whole run catches.
    statistic: str = "mean"

    def __post_init__(self) -> None:
        clocks, statistics_ = ("auto", "wall", "cpu"), ("mean", "median", "min")
        if self.clock not in clocks or self.statistic not in statistics_:
            raise NasrunError(
                f"latency timing: clock is one of {', '.join(clocks)} and statistic one of "
                f"{', '.join(statistics_)}, got {self.clock!r} and {self.statistic!r}"
            )
        if self.clock == "cpu" and self.threads != 1:
            raise NasrunError("latency timing: clock=cpu needs threads=1 (one thread does all)")
        if min(self.threads, self.batch, self.repeats) < 1 or self.warmup < 0:
            raise NasrunError("latency timing: threads, batch and repeats must be at least 1")

    def clock_on(self, device: torch.device) -> str:
        """The clock used on ``device``."""
        if device.type != "cpu":
            if self.clock == "cpu":
                raise NasrunError("latency timing: clock=cpu times the CPU; use wall on CUDA")
            return "wall"
        if self.clock == "auto":
            return "cpu" if self.threads == 1 else "wall"
        return self.clock

    def suffix(self, device: torch.device) -> str:
        """How a cache file names this way of timing."""
        return f"batch{self.batch}-{self.clock_on(device)}-{self.statistic}"


DEFAULT_TIMING = Timing()


@contextlib.contextmanager
def fixed_threads(device: torch.device, threads: int) -> Iterator[None]:
    """torch's intra-op threads set to ``threads`` on the CPU for the block, then restored."""
    if device.type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def device_label(device: torch.device, threads: int) -> str:
    """What a latency is a latency of: the device's name, and on a CPU the thread count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{_cpu_name()} ({threads} thread{'s' if threads > 1 else ''})"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


@torch.inference_mode()
def time_chain(modules: Sequence[nn.Module], x: torch.Tensor, timing: Timing) -> list[float]:
    """Runs ``modules`` one after the other on ``x`` (``timing.warmup`` + ``timing.repeats``
    times) and returns each one's latency in milliseconds, timed in place: each layer runs
    after the ones before it, with the caches they leave, as it does inside a whole network.
    Modules are put in eval mode and restored."""
    cuda = x.device.type == "cuda"
    clock = time.thread_time if timing.clock_on(x.device) == "cpu" else time.perf_counter
    states = [m.training for m in modules]
    for module in modules:
        module.eval()
    times: list[list[float]] = [[] for _ in modules]
    try:
        for run in range(timing.warmup + timing.repeats):
            y = x
            for i, module in enumerate(modules):
                start = clock()
                y = module(y)
                if cuda:
                    torch.cuda.synchronize(x.device)
                if run >= timing.warmup:
                    times[i].append(clock() - start)
    finally:
        for module, state in zip(modules, states, strict=True):
            module.train(state)
    reduce = {"mean": statistics.fmean, "median": statistics.median, "min": min}[timing.statistic]
    return [1000.0 * reduce(t) for t in times]


def measure_ms(module: nn.Module, x: torch.Tensor, timing: Timing = DEFAULT_TIMING) -> float:
    """The latency of ``module(x)`` in milliseconds (module in eval mode), as ``timing`` says."""
    return time_chain([module], x, timing)[0]
