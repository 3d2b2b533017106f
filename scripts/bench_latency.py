"""Benchmark: how well the MobileNet space's latency table predicts whole networks.

Samples ``--count`` random architectures of ``space=mobilenet`` (at ``--resolution``, width
multiplier 1 unless overridden), then in each of ``--rounds`` rounds measures a fresh latency
table (every layer alone) and every network end to end. Table entries and network latencies are
the medians over rounds: the table and the networks alternate, so a shared machine's changing
load reaches both alike. Prints Kendall's tau and the mean absolute error of predicted against
measured latency (acceptance of issue #13: tau >= 0.8, error <= 10%), per round and overall.

    python scripts/bench_latency.py --count 50 --rounds 3
    python scripts/bench_latency.py --device cuda --count 50          # GPU, wall clock + sync
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import tempfile
import time

import torch

from nasrun.config import compose, instantiate
from nasrun.costs import LatencyTable, Timing, latency_table
from nasrun.costs.validate import Validation, validate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "overrides", nargs="*", help="space overrides, e.g. space.width_multiplier=0.5"
    )
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--clock", choices=["auto", "wall", "cpu"], default="auto")
    parser.add_argument("--statistic", choices=["mean", "median", "min"], default="mean")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(1)
    cfg = compose("space=mobilenet", "space.width_multiplier=1", *args.overrides)
    space = instantiate(cfg.space, "space")
    shape = (args.channels, args.resolution, args.resolution)
    timing = Timing(1, 1, args.repeats, clock=args.clock, statistic=args.statistic)
    rng = random.Random(args.seed)
    archs = [space.sample(rng) for _ in range(args.count)]
    device = torch.device(args.device)

    load_before = os.getloadavg()
    start = time.perf_counter()
    tables: list[LatencyTable] = []
    measured: list[list[float]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for r in range(args.rounds):
            table = latency_table(space, args.classes, shape, device, f"{scratch}/{r}", timing)
            check = validate(table, device=device, timing=timing, rounds=1, archs=archs)
            tables.append(table)
            measured.append(check.measured_ms)
            print(f"round {r}: {_figures(check)}", flush=True)
    entries = {key: statistics.median(t.entries[key] for t in tables) for key in tables[0].entries}
    table = LatencyTable(space, args.classes, shape, entries, tables[0].device)
    overall = Validation(
        archs=archs,
        predicted_ms=[table.predict(a) for a in archs],
        measured_ms=[statistics.median(m[i] for m in measured) for i in range(len(archs))],
    )
    # How noisy the machine was: the spread of each network's latency over the rounds.
    spread = statistics.median(
        (max(m[i] for m in measured) - min(m[i] for m in measured)) / overall.measured_ms[i]
        for i in range(len(archs))
    )
    print(f"overall: {_figures(overall)}")
    print(
        f"device: {table.device}; torch {torch.__version__}; {platform.node()}; "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {len(entries)} layers; "
        f"{timing.clock_on(device)} clock, {args.statistic} of {args.repeats} runs, {args.rounds} rounds; "
        f"median round-to-round spread of a network {100 * spread:.1f}%; load average "
        f"{load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}; {time.perf_counter() - start:.0f} s"
    )


def _figures(check: Validation) -> str:
    return (
        f"Kendall tau {check.kendall_tau:.3f}, mean absolute error {check.mae_percent:.1f}% "
        f"(bias {check.bias_percent:+.1f}%), networks {min(check.measured_ms):.2f}-"
        f"{max(check.measured_ms):.2f} ms"
    )


if __name__ == "__main__":
    main()
