"""scripts/hypervolume.py runs as a user runs it and ends with its table and seeds-ahead line."""

from __future__ import annotations

import pandas as pd

from tests.scripts.test_benchmarks import run_script


def test_hypervolume_script_compares_nsga2_with_random_per_seed(tmp_path, nb201_dir):
    out = run_script(
        "hypervolume.py",
        "--space=nb201",
        f"--data-dir={nb201_dir}",
        "--seeds=2",
        "--trials=12",
        "--out=hv",
        cwd=tmp_path,
    )
    table = pd.read_csv(tmp_path / "hv" / "hypervolume.csv")
    assert sorted(table["search"]) == ["nsga2", "random"] and (table["seeds"] == 2).all()
    assert "nsga2 ahead of random on " in out and "/2 seeds" in out
    # Each run keeps its Pareto set's architectures, to retrain.
    assert list((tmp_path / "hv" / "nsga2" / "0" / "pareto").glob("arch_*.json"))
