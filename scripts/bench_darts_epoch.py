"""Benchmark: seconds per DARTS search epoch and peak GPU memory, first against second order.

Runs `experiment=darts_cifar10` (DARTS' search network: 8 cells, 16 channels, batch 64, the
training images halved into the weights' and the architecture's splits) on synthetic
CIFAR-shaped data (32x32x3, 10 classes; by default 50,000 training images as CIFAR-10's) for
`--epochs` epochs with `search.order=1`, then `search.order=2` (the reference), and prints the
median seconds per epoch (from each epoch's trial, `cost_s`: training, derivation and the
supernet's validation pass), the peak GPU memory of each, and the ratios.

    python scripts/bench_darts_epoch.py --epochs 3                 # on a GPU, the full protocol
    python scripts/bench_darts_epoch.py --epochs 1 --train 256 --device cpu   # a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import optuna
import torch
from optuna.trial import TrialState

from nasrun.config import compose
from nasrun.experiment import Experiment

VALID, TEST = 5_000, 10_000  # CIFAR-10's held-out sizes in experiment=darts_cifar10


def run(order: int, args: argparse.Namespace, workdir: Path) -> dict:
    valid, test = min(VALID, args.train), min(TEST, args.train)
    total = args.train + valid + test
    overrides = [
        "experiment=darts_cifar10",
        "dataset=synthetic",
        "~dataset.valid_size",  # a CIFAR key of the experiment
        "dataset.image_size=32",
        f"dataset.num_examples={total}",
        f"dataset.valid_fraction={valid / total}",
        f"dataset.test_fraction={test / total}",
        f"search.order={order}",
        f"search.epochs={args.epochs}",
        f"device={args.device}",
        "verbose=false",
        f"output_root={workdir}",  # a fresh checkpoint folder: nothing to resume
        f"storage=sqlite:///{workdir}/bench.db",
        f"study=order{order}",
    ]
    cfg = compose(*overrides)
    cuda = torch.device(args.device).type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    experiment = Experiment.from_config(cfg, workdir / f"order{order}")
    experiment.run()
    epochs = experiment.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    seconds = [t.user_attrs["cost_s"] for t in epochs]
    steady = seconds[1:] or seconds  # the first epoch pays for CUDA/cuDNN warm-up
    return {
        "epoch_s": statistics.median(steady),
        "epochs": len(seconds),
        "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan"),
        "wall_s": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train", type=int, default=50_000, help="training images")
    default_device = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", default=default_device)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.device.startswith("cuda"):
        print(f"device: {torch.cuda.get_device_name(torch.device(args.device))}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for order in (1, 2):
            results[order] = r = run(order, args, Path(tmp))
            print(
                f"order {order}: {r['epoch_s']:.1f} s per epoch (median of {r['epochs']}), "
                f"peak GPU memory {r['peak_gib']:.2f} GiB, {r['wall_s']:.0f} s in all",
                flush=True,
            )
    first, second = results[1], results[2]
    print(
        f"second / first order: {second['epoch_s'] / first['epoch_s']:.2f}x time per epoch, "
        f"{second['peak_gib'] / first['peak_gib']:.2f}x peak memory"
    )


if __name__ == "__main__":
    main()
