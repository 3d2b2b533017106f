"""Benchmark: a DARTS-derived architecture against random architectures of the same space.

Per seed: runs `search=darts space=dag` on digits and takes the architecture DARTS derives at
its last epoch (the one `+search.final_train=true` retrains); samples `--randoms` architectures
of the same space with `random.Random(seed)`; trains every one of them from scratch with the
same `nasrun-train` recipe (`estimator=low_fidelity`, `trainer.epochs=--epochs`, the space's
network), the DARTS one `--repeats` times with different training seeds. Prints the DARTS
architecture's validation and test accuracy (mean over its repeats), the random architectures'
median, min and max, DARTS' rank among them, the seconds spent, and the means over seeds.

    python scripts/bench_darts_vs_random.py --seeds 3 --randoms 8 --repeats 3 --epochs 5 --threads 1
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from nasrun.cli.train_args import train_arguments
from nasrun.config import compose, instantiate
from nasrun.experiment import Experiment
from nasrun.training.threads import set_threads

SPACE = ["space=dag", "dataset=digits"]


def common(args: argparse.Namespace, workdir: Path) -> list[str]:
    return [
        f"device={args.device}",
        "verbose=false",
        f"output_root={workdir}",  # DARTS checkpoints go here: no resume from an earlier run
        f"storage=sqlite:///{workdir}/bench.db",
    ]


def darts(seed: int, args: argparse.Namespace, workdir: Path) -> dict:
    overrides = ["search=darts", *SPACE, f"seed={seed}", *common(args, workdir)]
    if args.darts_epochs is not None:
        overrides.append(f"search.epochs={args.darts_epochs}")
    start = time.perf_counter()
    experiment = Experiment.from_config(compose(*overrides), workdir / f"darts-{seed}")
    summary = experiment.run()
    derived = experiment.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))[-1]
    return {
        "arch": derived.user_attrs["arch"],
        "supernet_acc": derived.value,
        "study_best": summary["best_value"],
        "seconds": time.perf_counter() - start,
    }


def train(arch: str, train_seed: int, args: argparse.Namespace, workdir: Path, name: str) -> dict:
    """What `nasrun-train arch=<arch> space=dag dataset=digits trainer.epochs=E seed=S` runs."""
    given = [f"arch={arch}", *SPACE, f"trainer.epochs={args.epochs}", f"seed={train_seed}"]
    cfg = compose(*train_arguments(given), *common(args, workdir))
    summary = Experiment.from_config(cfg, workdir / name).run()
    if summary["n_complete"] != 1:
        raise RuntimeError(f"training {arch} failed: see {workdir / name}/trials.csv")
    return {"valid": summary["best_value"], "test": summary["best_test_value"]}


def random_archs(seed: int, count: int) -> list[str]:
    space = instantiate(compose(*SPACE).space, "space")
    rng = random.Random(seed)
    return [space.to_string(space.sample(rng)) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--randoms", type=int, default=8, help="random architectures per seed")
    parser.add_argument("--repeats", type=int, default=3, help="trainings of the DARTS arch")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs of every arch")
    parser.add_argument("--darts-epochs", type=int, default=None, help="default: search=darts'")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="default: nasrun's own")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    set_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for seed in range(args.seeds):
            found = darts(seed, args, workdir)
            start = time.perf_counter()
            # Training seeds: run j of an architecture uses seed 1000 * seed + j, so the DARTS
            # arch's first training and every random arch start from the same seed.
            base = 1000 * seed
            derived = [
                train(found["arch"], base + r, args, workdir, f"darts-{seed}-train-{r}")
                for r in range(args.repeats)
            ]
            randoms = [
                train(arch, base, args, workdir, f"random-{seed}-{i}")
                for i, arch in enumerate(random_archs(seed, args.randoms))
            ]
            row = {"search_s": found["seconds"], "train_s": time.perf_counter() - start}
            for key in ("valid", "test"):
                ours = statistics.mean(d[key] for d in derived)
                others = [r[key] for r in randoms]
                row[key] = {
                    "darts": ours,
                    "darts_runs": [d[key] for d in derived],
                    "median": statistics.median(others),
                    "min": min(others),
                    "max": max(others),
                    "rank": 1 + sum(o > ours for o in others),
                }
            rows.append(row)
            v, t = row["valid"], row["test"]
            print(f"seed {seed}: DARTS arch {found['arch']}", flush=True)
            print(
                f"  supernet valid acc {found['supernet_acc']:.4f}; retrained x{args.repeats}: "
                f"valid {v['darts']:.4f} ({', '.join(f'{a:.4f}' for a in v['darts_runs'])}), "
                f"test {t['darts']:.4f}",
                flush=True,
            )
            print(
                f"  {args.randoms} random: valid median {v['median']:.4f} "
                f"[{v['min']:.4f}, {v['max']:.4f}], test median {t['median']:.4f} "
                f"[{t['min']:.4f}, {t['max']:.4f}]; DARTS rank valid {v['rank']}/{args.randoms + 1}, "
                f"test {t['rank']}/{args.randoms + 1}; seconds search {row['search_s']:.0f}, "
                f"training {row['train_s']:.0f}",
                flush=True,
            )
    mean = lambda key, field: statistics.mean(r[key][field] for r in rows)  # noqa: E731
    print(
        f"\nmean over {args.seeds} seeds ({args.randoms} random archs, DARTS arch x{args.repeats}, "
        f"{args.epochs} epochs each):"
    )
    for key in ("valid", "test"):
        at_least = sum(r[key]["darts"] >= r[key]["median"] for r in rows)
        print(
            f"  {key} acc: DARTS {mean(key, 'darts'):.4f}, random median {mean(key, 'median'):.4f} "
            f"(ratio {mean(key, 'darts') / mean(key, 'median'):.4f}); DARTS >= median in "
            f"{at_least}/{args.seeds} seeds; mean rank {mean(key, 'rank'):.1f}/{args.randoms + 1}"
        )
    search = statistics.mean(r["search_s"] for r in rows)
    training = statistics.mean(r["train_s"] for r in rows)
    print(f"  seconds per seed: search {search:.0f}, training {training:.0f}")


if __name__ == "__main__":
    main()
