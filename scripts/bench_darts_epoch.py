"""Benchmark: seconds per DARTS search epoch and peak GPU memory, first against second order,
eager against compiled.

Runs `experiment=darts_cifar10` (DARTS' search network: 8 cells, 16 channels, batch 64, the
training images halved into the weights' and the architecture's splits) on synthetic
CIFAR-shaped data (32x32x3, 10 classes; by default 50,000 training images as CIFAR-10's) for
`--epochs` epochs with `search.order=1`, then `search.order=2` (the reference), and prints the
median seconds per epoch (from each epoch's trial, `cost_s`: training, derivation and the
supernet's validation pass), the peak GPU memory of each, and the ratios. ``--compile`` adds
both orders again with the supernet compiled in place (``nn.Module.compile``: torch.compile of
its forward, weights and checkpoints unchanged); its first epoch pays for the compilation and is
left out of the median like every first epoch.

    python scripts/bench_darts_epoch.py --epochs 3 --compile       # on a GPU, the full protocol
    python scripts/bench_darts_epoch.py --epochs 1 --train 256 --device cpu   # a smoke run
    python scripts/bench_darts_epoch.py --small --compile      # toy network (tests, CPU)
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
from nasrun.estimators.one_shot import OneShotEstimator
from nasrun.experiment import Experiment
from nasrun.search.one_shot import compile_in_place

VALID, TEST = 5_000, 10_000  # CIFAR-10's held-out sizes in experiment=darts_cifar10


class _Compiled:
    """Supernets built while entered are compiled in place with ``backend`` (the search's own
    ``search.compile`` key takes inductor's modes; the benchmark also needs ``aot_eager``, which
    generates no code, for CPUs where inductor takes minutes)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend

    def __enter__(self) -> None:
        self.build = build = OneShotEstimator.build_supernet

        def compiled(estimator, *args, **kwargs):
            net = build(estimator, *args, **kwargs)
            compile_in_place(net, True, backend=self.backend)
            return net

        OneShotEstimator.build_supernet = compiled

    def __exit__(self, *exc: object) -> None:
        OneShotEstimator.build_supernet = self.build


def run(order: int, args: argparse.Namespace, workdir: Path, compiled: bool = False) -> dict:
    valid, test = min(VALID, args.train), min(TEST, args.train)
    total = args.train + valid + test
    overrides = [
        "experiment=darts_cifar10",
        "dataset=synthetic",
        "~dataset.valid_size",  # a CIFAR key of the experiment
        f"dataset.image_size={8 if args.small else 32}",
        *(["space.channels=4", "space.layers=3", "search.batch_size=16"] if args.small else []),
        f"dataset.num_examples={total}",
        f"dataset.valid_fraction={valid / total}",
        f"dataset.test_fraction={test / total}",
        f"search.order={order}",
        f"search.epochs={args.epochs}",
        f"device={args.device}",
        "verbose=false",
        f"output_root={workdir}",  # a fresh checkpoint folder: nothing to resume
        f"storage=sqlite:///{workdir}/bench.db",
        f"study=order{order}{'-compiled' if compiled else ''}",
        f"search.checkpoint_dir={workdir}/checkpoints{'-compiled' if compiled else ''}",
    ]
    cfg = compose(*overrides)
    cuda = torch.device(args.device).type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    experiment = Experiment.from_config(cfg, workdir / f"order{order}-{compiled}")
    if compiled:
        with _Compiled(args.backend):
            experiment.run()
    else:
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train", type=int, default=50_000, help="training images")
    default_device = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", default=default_device)
    parser.add_argument("--compile", action="store_true", help="also time compiled supernets")
    parser.add_argument("--orders", default="1,2", help="DARTS orders to time")
    parser.add_argument("--small", action="store_true", help="3 cells of 4 channels, 8x8 images")
    parser.add_argument(
        "--backend",
        default="inductor",
        help="torch.compile backend (aot_eager: no code generation)",
    )
    args = parser.parse_args(argv)
    if args.small:
        args.epochs, args.train = min(args.epochs, 2), min(args.train, 64)
    if args.device == "cpu":
        torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.device.startswith("cuda"):
        print(f"device: {torch.cuda.get_device_name(torch.device(args.device))}")
    orders = [int(o) for o in args.orders.split(",")]
    modes = (False, True) if args.compile else (False,)
    results = {}
    print(f"{'order':>5} {'mode':>9} {'s/epoch':>8} {'epochs':>6} {'peak GiB':>9} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for order in orders:
            for compiled in modes:
                results[order, compiled] = r = run(order, args, Path(tmp), compiled)
                mode = "compiled" if compiled else "eager"
                print(
                    f"{order:5d} {mode:>9} {r['epoch_s']:8.2f} {r['epochs']:6d} "
                    f"{r['peak_gib']:9.2f} {r['wall_s']:7.0f}",
                    flush=True,
                )
    if {1, 2} <= set(orders):
        first, second = results[1, False], results[2, False]
        print(
            f"second / first order: {second['epoch_s'] / first['epoch_s']:.2f}x time per epoch, "
            f"{second['peak_gib'] / first['peak_gib']:.2f}x peak memory"
        )
    if args.compile:
        for order in orders:
            eager, fast = results[order, False], results[order, True]
            print(f"order {order} eager / compiled: {eager['epoch_s'] / fast['epoch_s']:.2f}x")


if __name__ == "__main__":
    main()
