"""``scripts/automl_zero_report.py`` counts, at equal numbers of individuals, the runs of each
search that solved the task, among the runs that got that far."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.scripts.test_benchmarks import run_script


def write_run(folder: Path, individuals: list[int], solved_at: int | None) -> Path:
    folder.mkdir(parents=True)
    rows = [
        {
            "individuals": n,
            "elapsed_s": n / 1000,
            "cpu_s": n / 2000,
            "best_fitness": 0.99999 if n == solved_at else 0.5,
            "individuals_per_cpu_s": 2000,
            "final_fitness": 1.0 if n == solved_at else None,
            "solved": float(n == solved_at),
        }
        for n in individuals
    ]
    pd.DataFrame(rows).to_csv(folder / "progress.csv", index=False)
    return folder


def test_runs_are_compared_at_equal_individuals(tmp_path):
    evolution = [
        write_run(tmp_path / "e0", [100, 200], solved_at=200),  # solved within 250
        write_run(tmp_path / "e1", [100, 200, 300, 400], solved_at=400),  # after 250
    ]
    random = [write_run(tmp_path / "r0", [100, 200], solved_at=None)]  # stopped before 400
    out = run_script(
        "automl_zero_report.py",
        "--evolution",
        *map(str, evolution),
        "--random",
        *map(str, random),
        "--at",
        "250",
        "400",
        f"--png={tmp_path / 'p.png'}",
        cwd=tmp_path,
    )
    assert "| evolution | 250 | 1 of 2 | 0.75 |" in out
    assert "| evolution | 400 | 2 of 2 | 1 |" in out
    assert "| random search | 250 | 0 of 0 |" in out  # it never got that far
    assert (tmp_path / "p.png").stat().st_size > 1000
