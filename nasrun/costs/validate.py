"""How well a latency table predicts whole networks: predicted against measured end-to-end
latency over sampled architectures, as Kendall's tau (does the table rank networks right?) and
the mean absolute error in percent of the measured latency (is it right in milliseconds?).

Each network is timed in several rounds, every round going once over all of them, and keeps the
median over rounds: a neighbour's burst of load on a shared machine then slows some round of
every network rather than all rounds of a few.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from scipy.stats import kendalltau

from nasrun.costs.table import LatencyTable
from nasrun.costs.timing import DEFAULT_TIMING, Timing, fixed_threads, measure_ms
from nasrun.spaces.arch import Arch


@dataclass(frozen=True)
class Validation:
    archs: list[Arch]
    predicted_ms: list[float]
    measured_ms: list[float]

    @property
    def kendall_tau(self) -> float:
        return float(kendalltau(self.predicted_ms, self.measured_ms).statistic)

    @property
    def mae_percent(self) -> float:
        """Mean of |predicted - measured| / measured, in percent."""
        errors = [abs(p - m) / m for p, m in zip(self.predicted_ms, self.measured_ms, strict=True)]
        return 100.0 * statistics.fmean(errors)

    @property
    def bias_percent(self) -> float:
        """Mean signed error in percent (> 0: the table over-predicts)."""
        errors = [(p - m) / m for p, m in zip(self.predicted_ms, self.measured_ms, strict=True)]
        return 100.0 * statistics.fmean(errors)


def validate(
    table: LatencyTable,
    count: int = 50,
    seed: int = 0,
    device: str | torch.device = "cpu",
    timing: Timing = DEFAULT_TIMING,
    rounds: int = 3,
    archs: Sequence[Arch] | None = None,
) -> Validation:
    """Times ``count`` random architectures of ``table.space`` (or ``archs``) end to end on
    ``device``, as ``timing`` says (the table's own timing), ``rounds`` times each, and compares
    the median with ``table.predict``."""
    space, device = table.space, torch.device(device)
    rng = random.Random(seed)
    archs = list(archs) if archs is not None else [space.sample(rng) for _ in range(count)]
    x = torch.randn(timing.batch, *table.input_shape, device=device)
    times: list[list[float]] = [[] for _ in archs]
    with fixed_threads(device, timing.threads):
        for _ in range(rounds):
            for i, arch in enumerate(archs):
                model = space.build(arch, table.num_classes, table.input_shape).to(device)
                times[i].append(measure_ms(model, x, timing))
    return Validation(
        archs=archs,
        predicted_ms=[table.predict(a) for a in archs],
        measured_ms=[statistics.median(t) for t in times],
    )
