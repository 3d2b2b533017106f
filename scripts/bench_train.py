"""Training images/s: nasrun's trainer against a reference loop in the papers' style.

The reference is the loop of the released NAS code (DARTS' ``train.py``, NB201's ``procedures``):
a torchvision ``DataLoader`` over PIL images with CPU transforms (random crop with padding 4,
horizontal flip, ``ToTensor``, ``Normalize``, DARTS' cutout), fp32, NCHW, gradient clipping,
and one ``loss.item()`` per step for its running average. nasrun's :class:`Trainer` keeps the
bytes on the device and does all of that there (bf16 autocast and channels-last on CUDA).
Both train the same network (same initial weights) with the same recipe (SGD, momentum 0.9,
weight decay 3e-4, cosine schedule, clip 5, same batch and epochs) on the same CIFAR-shaped
images (synthetic, learnable, uint8), in the same run; each then scores the validation split.

Networks: NB201's cell network (the benchmark's best cell), DARTS-V2's evaluation network
(auxiliary head, drop-path, cutout 16) and a chain network. images/s counts training images
over the epochs after the first (which pays for cuDNN's autotuning and any compilation);
TFLOP/s = 3 x forward FLOPs x images/s (backward ~ twice forward), and on a known GPU the
fraction of its dense bf16 peak.

    python scripts/bench_train.py                 # full sizes (a GPU)
    python scripts/bench_train.py --small         # a CPU smoke run
"""

from __future__ import annotations

import argparse
import math
import time
from functools import partial

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from nasrun.data import DataModule, Split, Synthetic
from nasrun.data.base import channel_statistics
from nasrun.spaces import ChainSpace, DagSpace, NB201Space
from nasrun.training import Trainer, count_flops
from nasrun.zoo import resolve_arch

#: Dense bf16 tensor-core peak in TFLOP/s, by a substring of the device name (vendor sheets).
BF16_PEAK = {"H200": 989, "H100 PCIe": 756, "H100": 989, "A100": 312, "L40S": 362, "L4": 121}
NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"  # noqa: E501


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny networks and data (CPU)")
    parser.add_argument("--images", type=int, default=10_000, help="training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--loader-workers", type=int, default=2, help="reference DataLoader")
    parser.add_argument("--networks", default="nb201,darts_v2,chain")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", action="store_true", help="trainer.compile=true")
    args = parser.parse_args(argv)
    if args.small:
        args.images, args.epochs, args.batch, args.loader_workers = 256, 2, 32, 0
    args.networks = args.networks.split(",")
    return args


def network(name: str, small: bool) -> nn.Module:
    shape = (3, 32, 32)
    if name == "nb201":
        space = NB201Space(channels=4, cells_per_stage=1) if small else NB201Space()
        return space.build(space.from_string(NB201_BEST), 10, shape)
    if name == "darts_v2":
        size = dict(channels=8, layers=5) if small else dict(channels=36, layers=20)
        space = DagSpace(auxiliary=True, drop_path_prob=0.2, **size)
        return space.build(resolve_arch("darts_v2", space), 10, shape)
    if name == "chain":
        space = ChainSpace(num_layers=6, num_filters=(8,) if small else (64,), filter_sizes=(3,))
        return space.build(space.sample(__import__("random").Random(0)), 10, shape)
    raise SystemExit(f"unknown network {name!r}; choose from nb201, darts_v2, chain")


def byte_images(args: argparse.Namespace) -> tuple[Split, Split]:
    """Learnable CIFAR-shaped images as uint8 (train, valid), on the CPU."""
    data = Synthetic(num_classes=10, image_size=32, num_examples=int(args.images * 1.25) + 1)
    x = torch.cat([data.train.x, data.valid.x, data.test.x])
    y = torch.cat([data.train.y, data.valid.y, data.test.y])
    low, high = x.min(), x.max()
    x = ((x - low) / (high - low) * 255).round().to(torch.uint8)
    n = args.images
    return Split(x[:n], y[:n]), Split(x[n:], y[n:])


class PilImages(Dataset):
    """What torchvision's CIFAR10 dataset hands a transform: one PIL image per index."""

    def __init__(self, split: Split, transform) -> None:
        self.images = split.stored.permute(0, 2, 3, 1).numpy()  # HWC, as CIFAR10.data
        self.labels, self.transform = split.y.tolist(), transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


class Cutout:
    """DARTS' ``utils.Cutout``: zero one square of ``length`` pixels, on the CPU tensor."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __call__(self, img: torch.Tensor) -> torch.Tensor:
        h, w = img.shape[1:]
        y, x = np.random.randint(h), np.random.randint(w)
        y1, y2 = np.clip(y - self.length // 2, 0, h), np.clip(y + self.length // 2, 0, h)
        x1, x2 = np.clip(x - self.length // 2, 0, w), np.clip(x + self.length // 2, 0, w)
        img = img.clone()
        img[:, y1:y2, x1:x2] = 0
        return img


def reference(model, train, valid, args, cutout: int) -> tuple[float, float]:
    """The papers' loop; returns (training images/s after the first epoch, valid accuracy)."""
    from torchvision import transforms

    device = torch.device(args.device)
    mean, std = (s.flatten().tolist() for s in channel_statistics(train.stored))
    mean, std = [m / 255 for m in mean], [s / 255 for s in std]
    augment = [transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip()]
    tail = [transforms.ToTensor(), transforms.Normalize(mean, std)]
    cuda = device.type == "cuda"
    loader_args = dict(batch_size=args.batch, num_workers=args.loader_workers, pin_memory=cuda)
    train_loader = DataLoader(
        PilImages(train, transforms.Compose(augment + tail + ([Cutout(cutout)] if cutout else []))),
        shuffle=True,
        **loader_args,
    )
    valid_loader = DataLoader(PilImages(valid, transforms.Compose(tail)), **loader_args)
    model = model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    steps = args.epochs * len(train_loader)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    criterion = nn.CrossEntropyLoss()
    recipe = hasattr(model, "auxiliary_loss")
    seconds = []
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.train()
        if recipe:
            model.start_epoch(epoch, args.epochs)
        running = 0.0
        for x, y in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            optimizer.zero_grad()
            logits = model(x)
            loss = criterion(logits, y)
            extra = model.auxiliary_loss(criterion, y) if recipe else None
            loss = loss + extra if extra is not None else loss
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5)
            optimizer.step()
            schedule.step()
            running += loss.item()  # the papers' AvgrageMeter.update(loss.item())
        correct = 0
        model.eval()
        with torch.no_grad():
            for x, y in valid_loader:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        seconds.append(time.perf_counter() - start)
    return len(train) / _steady(seconds), correct / len(valid)


def ours(model, train, valid, args, cutout: int) -> tuple[float, float]:
    device = torch.device(args.device)
    on = lambda s: Split(s.stored.to(device), s.y.to(device), *stats)  # noqa: E731
    stats = [t.to(device) for t in channel_statistics(train.stored)]
    data = DataModule(on(train), on(valid), on(valid), 10, augment=True, cutout=cutout)
    trainer = Trainer(
        epochs=args.epochs,
        batch_size=args.batch,
        optimizer=partial(torch.optim.SGD, lr=0.025, momentum=0.9, weight_decay=3e-4),
        grad_clip=5.0,
        recalibrate_bn=0,  # the reference recipe: running averages
        compile=args.compile,
    )
    history = trainer.fit(model, data)
    return len(train) / _steady([e.seconds for e in history.epochs]), history.last.valid_acc


def _steady(seconds: list[float]) -> float:
    later = seconds[1:] or seconds
    return sum(later) / len(later)


def peak_tflops(device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    name = torch.cuda.get_device_name(torch.device(device))
    return next((peak for key, peak in BF16_PEAK.items() if key in name), None)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.device == "cpu":
        torch.set_num_threads(1)
    train, valid = byte_images(args)
    peak = peak_tflops(args.device)
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print(f"device: {name}; {len(train)} images x {args.epochs} epochs, batch {args.batch}")
    print(
        f"{'network':<10} {'ref img/s':>10} {'nasrun img/s':>13} {'ratio':>6} "
        f"{'ref acc':>8} {'acc':>6} {'TFLOP/s':>8} {'of bf16 peak':>13}"
    )
    ratios = []
    for name in args.networks:
        cutout = 16 if name == "darts_v2" and not args.small else (4 if name == "darts_v2" else 0)
        torch.manual_seed(0)
        model = network(name, args.small)
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        flops = count_flops(model, (3, 32, 32))
        ref_rate, ref_acc = reference(model, train, valid, args, cutout)
        model.load_state_dict(initial)
        rate, acc = ours(model, train, valid, args, cutout)
        tflops = 3 * flops * rate / 1e12
        share = f"{tflops / peak:.1%}" if peak else "n/a"
        ratios.append(rate / ref_rate)
        print(
            f"{name:<10} {ref_rate:10.0f} {rate:13.0f} {rate / ref_rate:6.2f} "
            f"{ref_acc:8.3f} {acc:6.3f} {tflops:8.3f} {share:>13}"
        )
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"ratio nasrun / reference images/s: min {min(ratios):.2f}, geomean {geomean:.2f}")


if __name__ == "__main__":
    main()
