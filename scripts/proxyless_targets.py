"""``search=proxyless`` with latency targets over seeds: the predicted latency of the networks it
derives, against their targets, and the supernet's validation accuracy.

With ``--targets`` and ``--seeds`` it runs ``nasrun <overrides> search=proxyless
search.target_ms=T seed=S`` for every pair, one after the other, each with one torch thread,
into ``<out>/t<T>_s<S>`` (all sharing ``<out>`` as output root, so one latency table serves
them all; a re-run resumes finished runs from their checkpoints). Then, or with ``--report``
and run directories, it reads each run's config (``.hydra/config.yaml``) and last trial
(``trials.csv``), predicts the derived network's latency with the run's cached latency table
(the one the search used) and prints it beside the target, with the relative error and the
derived path's validation accuracy in the supernet (batch-norm statistics re-estimated).

    python scripts/proxyless_targets.py --targets 0.5 0.65 --seeds 0 1 2 --out outputs/px -- \\
        space=mobilenet space.stage_channels=[8,16,24] ...
    python scripts/proxyless_targets.py --report outputs/px/t0.5_s0 outputs/px/t0.65_s0
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import torch
from omegaconf import OmegaConf

from nasrun.config import instantiate
from nasrun.costs import latency_table


def run(out: Path, target: float, seed: int, overrides: list[str]) -> Path:
    """One search (the ``nasrun`` next to this Python); returns its run directory."""
    run_dir = out / f"t{target:g}_s{seed}"
    nasrun = Path(sys.executable).parent / "nasrun"
    args = [
        *overrides,
        "search=proxyless",
        f"search.target_ms={target}",
        f"seed={seed}",
        "threads=1",
        "verbose=false",
        f"output_root={out}",
        f"hydra.run.dir={run_dir}",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([str(nasrun), *args], env=env, check=True)
    return run_dir


def predicted(run_dir: Path) -> dict:
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    space = instantiate(cfg.space, "space")
    data = instantiate(cfg.dataset, "dataset", device="cpu")
    searcher = cfg.search.searcher
    table = latency_table(
        space,
        data.num_classes,
        data.input_shape,
        device=searcher.latency_device,
        output_root=cfg.output_root,
    )
    trials = pd.read_csv(run_dir / "trials.csv")
    last = trials.iloc[-1]
    latency = table.predict(space.from_string(last["arch"]))
    target = float(searcher.target_ms)
    return {
        "target_ms": target,
        "seed": cfg.seed,
        "predicted_ms": round(latency, 4),
        "error": f"{100 * (latency - target) / target:+.1f}%",
        "valid_acc": round(float(last["value"]), 4),
        "epochs": len(trials),
        "arch": last["arch"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="*", type=float, default=[])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path("outputs/proxyless_targets"))
    parser.add_argument("--report", nargs="*", type=Path, default=[], help="run directories")
    parser.add_argument("overrides", nargs="*", help="nasrun overrides (after --)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = args.out.resolve()
    runs = [run(out, t, s, args.overrides) for t in args.targets for s in args.seeds]
    rows = pd.DataFrame([predicted(r) for r in [*runs, *args.report]])
    print(rows.to_string(index=False))
    if len(rows):
        within = (rows.predicted_ms - rows.target_ms).abs() <= 0.15 * rows.target_ms
        print(f"within ±15% of the target: {int(within.sum())}/{len(rows)}")
        print(rows.groupby("target_ms")[["predicted_ms", "valid_acc"]].mean().to_string())


if __name__ == "__main__":
    main()
