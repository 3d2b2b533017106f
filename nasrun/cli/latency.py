"""``nasrun-latency [OVERRIDE...]``: build (or top up) the latency look-up table of a space on
this machine's device, and check it against whole networks.

    nasrun-latency space.width_multiplier=1 --resolution 224 --classes 1000 --validate 50
    nasrun-latency device=cuda --resolution 224 --classes 1000 arch=proxylessnas_gpu

Overrides are ``nasrun``'s (``space=mobilenet`` unless given, ``device``, ``output_root``,
``seed``); the table is cached under ``<output_root>/latency/`` (see :mod:`nasrun.costs`).
"""

from __future__ import annotations

import argparse
import sys

from nasrun.cli.errors import check_composes, fail, say
from nasrun.errors import NasrunError


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="nasrun-latency",
        description="Measure a space's per-layer latency table on this device (cached under "
        "<output_root>/latency/) and validate its predictions against whole networks.",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        help="nasrun config overrides (space=mobilenet space.width_multiplier=1 device=cpu "
        "output_root=... seed=...); arch=<zoo name | string> also predicts and times one network",
    )
    parser.add_argument("--resolution", type=int, default=224, help="input height and width")
    parser.add_argument("--channels", type=int, default=3, help="input channels")
    parser.add_argument("--classes", type=int, default=1000, help="classifier outputs")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads while timing")
    parser.add_argument("--batch", type=int, default=1, help="batch size timed")
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per layer (median)")
    parser.add_argument(
        "--validate",
        type=int,
        default=0,
        metavar="N",
        help="time N random architectures end to end; print Kendall's tau and the mean "
        "absolute error of the table's predictions",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds per network")
    parser.add_argument(
        "--clock",
        choices=["auto", "wall", "cpu"],
        default="auto",
        help="wall clock, or the thread's CPU time (1 thread; a CPU shared with busy "
        "neighbours); auto: cpu on a CPU with 1 thread, else wall",
    )
    parser.add_argument(
        "--statistic", choices=["mean", "median", "min"], default="mean", help="over the repeats"
    )
    args = parser.parse_intermixed_args(argv)
    for key in ("resolution", "channels", "classes", "rounds"):
        if getattr(args, key) < 1:
            parser.error(f"--{key} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    try:
        run(args)
    except NasrunError as error:
        fail(str(error))


def run(args: argparse.Namespace) -> None:
    from nasrun.config import instantiate
    from nasrun.costs import Timing, latency_table
    from nasrun.costs.validate import validate
    from nasrun.training.device import resolve_device
    from nasrun.zoo import resolve_arch

    overrides = [o for o in args.overrides if not o.startswith("arch=")]
    arch_text = next((o.split("=", 1)[1] for o in args.overrides if o.startswith("arch=")), None)
    if not any(o.startswith("space=") for o in overrides):
        overrides.insert(0, "space=mobilenet")
    cfg = check_composes(overrides)  # a bad override: one line, as nasrun says it
    space = instantiate(cfg.space, "space")
    if not hasattr(space, "all_layer_specs"):
        raise NasrunError(
            f"nasrun-latency: space={space.name} has no latency model; use space=mobilenet"
        )
    device = resolve_device(cfg.device)
    shape = (args.channels, args.resolution, args.resolution)
    timing = Timing(
        args.threads, args.batch, args.repeats, clock=args.clock, statistic=args.statistic
    )
    table = latency_table(space, args.classes, shape, device, cfg.output_root, timing)
    say(
        f"latency table {table.path}: {len(table.entries)} layers on {table.device}, "
        f"{table.new_layers} measured now"
    )
    if arch_text:
        arch = resolve_arch(arch_text, space)
        check = validate(table, device=device, timing=timing, rounds=args.rounds, archs=[arch])
        print(
            f"{space.to_string(arch)}: predicted {check.predicted_ms[0]:.3f} ms, "
            f"measured {check.measured_ms[0]:.3f} ms"
        )
    if args.validate:
        check = validate(table, args.validate, cfg.seed, device, timing, args.rounds)
        print(
            f"{args.validate} random architectures on {table.device}: Kendall tau "
            f"{check.kendall_tau:.3f}, mean absolute error {check.mae_percent:.1f}% "
            f"(bias {check.bias_percent:+.1f}%), measured {min(check.measured_ms):.2f}-"
            f"{max(check.measured_ms):.2f} ms"
        )


if __name__ == "__main__":
    main()
