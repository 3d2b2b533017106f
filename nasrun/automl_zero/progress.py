"""The progress curve of an algorithm search: best fitness against individuals evaluated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from nasrun.report.results import write_atomic


def write_progress(history: Sequence[Mapping[str, float]], run_dir: Path, label: str) -> None:
    """``progress.csv`` and ``progress.png`` in ``run_dir`` (nothing when nothing was recorded)."""
    if not history:
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(list(history))
    write_atomic(run_dir / "progress.csv", frame.to_csv(index=False))
    plot_progress({label: [frame]}, run_dir / "progress.png")


def plot_progress(
    curves: Mapping[str, Sequence[pd.DataFrame]], path: Path, title: str = ""
) -> None:
    """One line per run, a colour per search (e.g. evolution vs random search)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for colour, (label, frames) in enumerate(curves.items()):
        for i, frame in enumerate(frames):
            ax.plot(frame["individuals"], frame["best_fitness"], color=f"C{colour}", alpha=0.7,
                    label=label if i == 0 else None, drawstyle="steps-post")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("individuals evaluated")
    ax.set_ylabel("best search fitness")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
