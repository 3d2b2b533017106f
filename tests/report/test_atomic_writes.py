"""Every table nasrun writes is whole or absent: a temp file in the same folder, then a rename."""

from __future__ import annotations

import pytest

from nasrun.report.results import write_atomic


def test_a_write_that_fails_midway_leaves_the_previous_file(tmp_path):
    path = tmp_path / "summary.json"
    write_atomic(path, '{"n_complete": 3}\n')
    with pytest.raises(UnicodeEncodeError):  # fails after part of the text is written
        write_atomic(path, "x" * 100_000 + "\ud800")
    assert path.read_text() == '{"n_complete": 3}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp file left


def test_a_run_leaves_only_its_tables(tmp_path):
    from tests.conftest import make_experiment

    make_experiment(tmp_path, "budget.trials=1").run()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        "best_arch.json",
        "summary.json",
        "summary.md",
        "trials.csv",
    ]
