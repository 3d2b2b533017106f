"""The NB201 paper comparison: published numbers joined to nasrun's tables, in the report and
in the reproduction script; incumbent curves for its plots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nasrun.cli.report import main as report_main
from nasrun.errors import NasrunError
from nasrun.report import aggregate, load_summaries
from nasrun.report.plots import best_so_far
from nasrun.report.published import compare, compare_markdown

ROOT = Path(__file__).resolve().parents[2]


def _summary(path: Path, search: str, seed: int, test: float, space: str = "nb201") -> None:
    path.mkdir(parents=True)
    summary = {
        "search": search,
        "space": space,
        "estimator": "tabular",
        "dataset": "cifar10",
        "objective": {"name": "valid_acc", "direction": "maximize"},
        "seed": seed,
        "budget": {"trials": 1000, "seconds": None, "cost_s": 12000},  # the paper's protocol
        "best_value": test - 0.1,
        "best_test_value": test,
    }
    (path / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def runs(tmp_path) -> Path:
    for seed, test in enumerate([0.935, 0.940, 0.945]):  # 94.00 ± 0.50
        _summary(tmp_path / "runs" / "random" / str(seed), "random", seed, test)
    _summary(tmp_path / "runs" / "tpe" / "0", "tpe", 0, 0.95)
    _summary(tmp_path / "runs" / "chain" / "0", "random", 0, 0.5, space="chain")  # not NB201
    return tmp_path / "runs"


def test_compare_puts_the_paper_beside_each_search(runs):
    table = compare(aggregate(load_summaries([runs])), "nb201").set_index("search")
    assert list(table.index) == ["random", "ea", "rl", "bohb", "tpe"]  # the paper's order first
    assert set(table["dataset"]) == {"cifar10"}  # only the datasets nasrun ran
    random = table.loc["random"]
    assert (random["method"], random["seeds"]) == ("RS", 3)
    assert random["nasrun_mean"] == pytest.approx(94.0) and random["nasrun_std"] == pytest.approx(
        0.5
    )
    assert (random["paper_mean"], random["paper_std"]) == (93.70, 0.36)
    assert random["difference"] == pytest.approx(0.30) and random["within_paper_std"]
    assert pd.isna(table.loc["tpe", "within_paper_std"])  # no paper number: no verdict
    assert np.isnan(table.loc["ea", "nasrun_mean"]) and table.loc["ea", "paper_mean"] == 93.92


def test_compare_markdown_cites_the_paper(runs):
    text = compare_markdown(compare(aggregate(load_summaries([runs])), "nb201"))
    assert "| cifar10 | random (RS) | 3 | 94.00 ± 0.50 | 93.70 ± 0.36 | +0.30 | yes |" in text
    assert "| cifar10 | tpe | 1 | 95.00 ± 0.00 |  |  |  |" in text
    assert "Dong & Yang" in text and "ICLR 2020" in text


def test_unknown_published_table_is_a_clear_error():
    with pytest.raises(NasrunError, match="no published table 'darts'"):
        compare(pd.DataFrame(), "darts")


def test_nasrun_report_compare_writes_and_prints_the_comparison(runs, tmp_path, capsys):
    report_main([str(runs), "--compare", "nb201", "--no-plots", "--out", str(tmp_path / "out")])
    assert "93.70 ± 0.36" in capsys.readouterr().out
    written = pd.read_csv(tmp_path / "out" / "compare_nb201.csv")
    assert written.loc[written["search"] == "random", "difference"].item() == pytest.approx(0.3)
    assert "random (RS)" in (tmp_path / "out" / "compare_nb201.md").read_text()
    with pytest.raises(SystemExit):
        report_main([str(runs), "--compare", "nowhere"])


def test_best_so_far_can_follow_the_incumbents_test_value():
    trials = pd.DataFrame(
        {
            "number": range(5),
            "state": ["FAIL", "COMPLETE", "COMPLETE", "COMPLETE", "COMPLETE"],
            "value": [None, 0.5, 0.4, 0.5, 0.7],
            "test_value": [None, 0.91, 0.99, 0.92, 0.93],
            "cost_s": 1.0,
            "run": "a",
            "direction": "maximize",
            **dict.fromkeys(["search", "space", "estimator", "dataset"], "x"),
        }
    )
    curve = best_so_far(trials, y="test_value")["best"].tolist()
    # Nothing before the first complete trial; a tie does not replace the incumbent.
    assert np.isnan(curve[0]) and curve[1:] == [0.91, 0.91, 0.91, 0.93]


def test_the_reproduction_script_runs_and_reports(tmp_path, nb201_dir):
    out, figures = tmp_path / "out", tmp_path / "img"
    args = ["--seeds", "2", "--datasets", "cifar10", "--searches", "random,ea", "--workers", "1"]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "reproduce_nb201.py"), *args]
        + [f"--data-dir={nb201_dir}", f"--out={out}", f"--figures={figures}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| cifar10 | random (RS) | 2 |" in proc.stdout and "wall time" in proc.stdout
    assert len(list(out.glob("cifar10/*/seed=*/summary.json"))) == 4
    assert (out / "cifar10" / "ea" / "seed=1" / ".hydra" / "config.yaml").is_file()
    assert {p.name for p in out.iterdir()} >= {"report.csv", "report.md", "compare_nb201.md"}
    assert (figures / "out_cifar10.png").stat().st_size > 1000
