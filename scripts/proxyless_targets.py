"""The predicted latency of the networks ``search=proxyless`` derived, against their targets.

Reads each run directory's config (``.hydra/config.yaml``) and the last trial's architecture
(``trials.csv``), predicts its latency with the run's latency table (the cached one under the
run's output root, the same the search used) and prints it beside ``search.searcher.target_ms``
with the relative error.

    python scripts/proxyless_targets.py outputs/px/t0.7_s0 outputs/px/t1.0_s0 ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch
from omegaconf import OmegaConf

from nasrun.config import instantiate
from nasrun.costs import latency_table


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
        "run": str(run_dir),
        "seed": cfg.seed,
        "target_ms": target,
        "predicted_ms": round(latency, 4),
        "error": f"{100 * (latency - target) / target:+.1f}%",
        "valid_acc": round(float(last["value"]), 4),
        "arch": last["arch"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [predicted(run) for run in args.runs]
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
