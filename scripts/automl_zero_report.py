"""AutoML-Zero runs side by side: a table of who solved the task and when, and the progress
curves (best search fitness against individuals evaluated) of evolution and random search.

    python scripts/automl_zero_report.py --evolution outputs/evo/run_* \
        --random outputs/rnd/run_* --png docs/img/automl_zero_linear.png

A run directory holds progress.csv once the run has ended; for a run still going (or killed),
give its checkpoint (``<output_root>/checkpoints/<study>.json``) instead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from nasrun.automl_zero.progress import plot_progress
from nasrun.report.results import markdown_table


def load(path: Path) -> pd.DataFrame:
    if path.is_dir():
        return pd.read_csv(path / "progress.csv")
    return pd.DataFrame(json.loads(path.read_text())["history"])


def summary_row(label: str, path: Path, frame: pd.DataFrame) -> dict:
    solved = frame[frame["solved"] > 0]
    at = solved.iloc[0] if len(solved) else frame.iloc[-1]
    return {
        "search": label,
        "run": path.name,
        "solved": bool(len(solved)),
        "individuals": int(at["individuals"]),
        "wall_s": round(float(at["elapsed_s"]), 1),
        "cpu_s": round(float(at.get("cpu_s", float("nan"))), 1),
        "individuals_per_cpu_s": round(float(at.get("individuals_per_cpu_s", float("nan")))),
        "best_search_fitness": round(float(frame["best_fitness"].max()), 6),
        "final_fitness": at["final_fitness"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evolution", nargs="*", type=Path, default=[])
    parser.add_argument("--random", nargs="*", type=Path, default=[])
    parser.add_argument("--png", type=Path, default=Path("automl_zero_progress.png"))
    parser.add_argument("--title", default="AutoML-Zero, scalar linear regression")
    parser.add_argument(
        "--at",
        nargs="*",
        type=int,
        default=[250_000, 500_000, 1_000_000],
        help="individuals at which to compare the searches: runs solved within that many",
    )
    args = parser.parse_args()
    curves, rows = {}, []
    for label, paths in (("evolution", args.evolution), ("random search", args.random)):
        frames = [load(p) for p in paths]
        curves[label] = frames
        rows += [summary_row(label, p, f) for p, f in zip(paths, frames, strict=True)]
    plot_progress({k: v for k, v in curves.items() if v}, args.png, args.title)
    table = pd.DataFrame(rows)
    print(markdown_table(table))
    for label, group in table.groupby("search"):
        ok = group[group["solved"]]
        print(f"\n{label}: solved {len(ok)} of {len(group)}", end="")
        if len(ok):
            print(f"; median to solution {ok['cpu_s'].median():.0f} CPU-s, "
                  f"{ok['wall_s'].median():.0f} s wall, {ok['individuals'].median():.0f} individuals", end="")  # fmt: skip
    print("\n\n" + markdown_table(solved_within(table, curves, args.at)))
    print(f"\nwrote {args.png}")


def solved_within(table: pd.DataFrame, curves: dict, counts: list[int]) -> pd.DataFrame:
    """Per search, how many runs solved the task within each number of individuals, and how
    many ran that far (a run stopped earlier unsolved says nothing about that count)."""
    rows = []
    for label, frames in curves.items():
        runs = table[table["search"] == label]
        for n in counts:
            within = (runs["individuals"] <= n) & runs["solved"]
            # A run counts at n if it got that far, or solved the task before it.
            ran = [
                int(f["individuals"].max()) >= n or w for f, w in zip(frames, within, strict=True)
            ]
            best = [f.loc[f["individuals"] <= n, "best_fitness"].max() for f in frames]
            rows.append(
                {
                    "search": label,
                    "individuals": n,
                    "solved": f"{int(within.sum())} of {sum(ran)}",
                    "median best fitness": round(float(pd.Series(best).median()), 4),
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
