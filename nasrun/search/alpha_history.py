"""The architecture weights' history: one CSV row per (epoch, group, choice), and a heat map."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import torch

from nasrun.report.results import write_atomic
from nasrun.spaces import Supernet


def write_alpha_history(path: Path, epoch: int, supernet: Supernet) -> None:
    """Appends this epoch's softmax weights; rows of an epoch re-run after a resume replace it."""
    rows = []
    for group, alpha in enumerate(supernet.arch_parameters()):
        probs = torch.softmax(alpha.detach().float().cpu(), dim=-1).reshape(-1, alpha.shape[-1])
        for edge, row in enumerate(probs):
            rows += [
                (epoch, group, edge, choice, round(p, 6)) for choice, p in enumerate(row.tolist())
            ]
    old = []
    if path.is_file():
        with open(path, newline="") as f:
            old = [r for r in csv.reader(f)][1:]
        old = [r for r in old if int(r[0]) < epoch]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["epoch", "group", "edge", "choice", "weight"])
    writer.writerows(old + rows)
    write_atomic(path, text.getvalue())  # a kill mid-write keeps the last epoch's history


def plot_alpha_history(csv_path: Path, png_path: Path) -> Path:
    """A heat map per epoch column: rows are (group, edge, choice), colour is the weight."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = pd.read_csv(csv_path)
    table = frame.pivot_table(index=["group", "edge", "choice"], columns="epoch", values="weight")
    fig, ax = plt.subplots(
        figsize=(max(4, 0.4 * table.shape[1] + 2), max(3, 0.12 * table.shape[0] + 1))
    )
    image = ax.imshow(table.to_numpy(), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("group / edge / choice")
    ax.set_xticks(range(table.shape[1]), table.columns)
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, label="softmax weight")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)
    return png_path
