"""Peak memory of one ProxylessNAS search step against DARTS-style all-path mixing, on one supernet.

Each mode runs in its own subprocess (a fresh allocator, ``MALLOC_MMAP_THRESHOLD_=65536`` so
that every tensor of any size is its own mapping, returned to the system when freed): it builds
the supernet (and the latency table), reads its resident set size (RSS, /proc/self/statm),
takes one step and reads the process's peak RSS (``resource.getrusage(...).ru_maxrss``). The
step's peak memory is the peak minus the RSS before it: the activations, gradients and
temporaries of the step as the CPU allocator holds them (tracemalloc does not see torch's
allocations). The weights' optimiser is plain SGD (no state), so both modes allocate the same
besides the forward and backward passes. Modes:

- ``darts``: ``supernet(x)``, every candidate weighted by softmax(alpha), backward (DARTS' step)
- ``proxyless``: the ProxylessNAS searcher's whole step (two-path architecture update, then the
  one-path weight update), with its latency term

    python scripts/bench_proxyless_memory.py --batch 512 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys

MOBILENET = [
    "space=mobilenet",
    "space.stage_channels=[16,24,32]",
    "space.stage_layers=[2,3,3]",
    "space.stage_strides=[1,2,1]",
    "space.head_channels=64",
    "space.width_multiplier=1",
]


def rss_bytes() -> int:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_mode(mode: str, batch: int, output_root: str) -> dict:
    import torch

    torch.set_num_threads(1)
    from nasrun.config import compose, instantiate
    from nasrun.oneshot.darts import DartsSearcher
    from nasrun.oneshot.proxyless import ProxylessSearcher
    from nasrun.training import WeightOptimiser

    cfg = compose(*MOBILENET, "device=cpu")
    space = instantiate(cfg.space, "space")
    data = instantiate(cfg.dataset, "dataset", device="cpu")
    supernet = space.supernet(data.num_classes, data.input_shape)
    weights = WeightOptimiser(
        supernet.weight_parameters(),
        lambda p: torch.optim.SGD(p, lr=0.01),
        5.0,
        1,
        0.0,
    )
    if mode == "darts":
        searcher = DartsSearcher(order=1)
    else:
        searcher = ProxylessSearcher(target_ms=0.6, output_root=output_root)
    searcher.setup(supernet, weights, 0, batch)
    searcher.start_epoch(1, 1)  # past any warm-up: the step takes its architecture step
    index = torch.arange(batch) % len(data.train)
    x, y = data.train.x[index], data.train.y[index]
    generator = torch.Generator().manual_seed(0)
    if mode != "darts":
        searcher.expected_latency(x)  # measures (or reads) the latency table before the step
    before = rss_bytes()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    searcher.step((x, y), (x, y), generator)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "mode": mode,
        "batch": batch,
        "step_peak_mb": (peak - before) / 2**20,
        "peak_rose": peak > peak_before,
        "rss_before_mb": before / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output-root", default="outputs")
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # the subprocess' own run
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one_mode(args.mode, args.batch, args.output_root)))
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "65536"}
    results: dict[str, list[float]] = {"darts": [], "proxyless": []}
    for _ in range(args.repeats):
        for mode in results:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--mode",
                    mode,
                    "--batch",
                    str(args.batch),
                    "--output-root",
                    args.output_root,
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            if not row["peak_rose"]:
                print(f"warning: {mode}: the step did not raise the peak (a larger --batch)")
            results[mode].append(row["step_peak_mb"])
    darts, proxyless = (statistics.median(results[m]) for m in ("darts", "proxyless"))
    print(f"batch {args.batch}, median of {args.repeats} subprocesses each (peak RSS - RSS before)")
    print(f"darts all-path step:   {darts:8.1f} MB  {results['darts']}")
    print(f"proxyless step:        {proxyless:8.1f} MB  {results['proxyless']}")
    print(f"ratio proxyless/darts: {proxyless / darts:.3f}")


if __name__ == "__main__":
    main()
