"""Throughput of 1, 2, 4 and 8 candidate trainings at once on one device.

One small candidate (NB201's cell network, as a tabular-free NB201 search trains them) keeps a
large GPU mostly idle: its kernels are short and the launches between them leave gaps. Packing
several trainings on the GPU as separate processes (what ``workers=N`` does, see
``nasrun/workers.py``) fills the gaps. Each process trains its own candidate with nasrun's
:class:`Trainer` on CIFAR-shaped uint8 images held on the device; all start together after a
warm-up epoch, and the aggregate images/s is every process's training images over the wall time
from the common start to the last finish.

    python scripts/bench_pack.py                  # on a GPU: 1, 2, 4, 8 at once
    python scripts/bench_pack.py --small          # a CPU smoke run: 1 and 2 at once
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import torch

NB201_CELL = (
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny network and data (CPU)")
    parser.add_argument("--counts", default="1,2,4,8", help="concurrent trainings to time")
    parser.add_argument("--images", type=int, default=10_000, help="training images per process")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per process")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--channels", type=int, default=16, help="NB201's network: 16")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    if args.small:
        args.images, args.epochs, args.batch, args.channels = 128, 1, 32, 4
        args.counts = "1,2" if args.counts == "1,2,4,8" else args.counts
    args.counts = [int(c) for c in args.counts.split(",")]
    return args


def train_one(rank: int, args: argparse.Namespace, start, results) -> None:
    """One packed candidate: warm up, wait for the others, train, report (images, end time)."""
    torch.set_num_threads(1)
    from nasrun.data import Synthetic
    from nasrun.spaces import NB201Space
    from nasrun.training import Trainer

    data = Synthetic(
        device=args.device,
        image_size=32,
        num_examples=int(args.images / 0.6) + 1,  # 60% train, as Synthetic splits
    )
    space = NB201Space(channels=args.channels, cells_per_stage=1 if args.small else 5)
    torch.manual_seed(rank)
    model = space.build(space.from_string(NB201_CELL), 10, data.input_shape)
    trainer = Trainer(batch_size=args.batch, recalibrate_bn=0)
    trainer.fit(model, data, epochs=1)  # warm-up: CUDA context, cuDNN autotuning
    start.wait()
    began = time.time()
    trainer.fit(model, data, epochs=args.epochs, seed=rank)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    results.put((len(data.train) * args.epochs, began, time.time()))


def packed(count: int, args: argparse.Namespace) -> float:
    """Aggregate training images/s of ``count`` processes at once."""
    context = mp.get_context("spawn")  # CUDA cannot be forked
    start, results = context.Barrier(count), context.Queue()
    processes = [
        context.Process(target=train_one, args=(rank, args, start, results))
        for rank in range(count)
    ]
    for process in processes:
        process.start()
    reports = [results.get() for _ in processes]
    for process in processes:
        process.join()
    images = sum(r[0] for r in reports)
    return images / (max(r[2] for r in reports) - min(r[1] for r in reports))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(f"device: {name}; NB201 cell network, {args.channels} channels, batch {args.batch}")
    print(f"{'at once':>7} {'images/s':>10} {'per training':>13} {'vs 1':>6}")
    rates = {}
    for count in args.counts:
        rates[count] = rate = packed(count, args)
        base = rates[args.counts[0]]
        print(f"{count:7d} {rate:10.0f} {rate / count:13.0f} {rate / base:6.2f}", flush=True)
    most = max(args.counts)
    print(
        f"throughput ratio {most} at once / {args.counts[0]}: {rates[most] / rates[args.counts[0]]:.2f}"
    )


if __name__ == "__main__":
    main()
