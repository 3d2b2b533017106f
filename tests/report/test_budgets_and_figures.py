"""The report groups by distinct seeds and budget, flags paper comparisons of another protocol,
and draws figures fit for a paper (labelled, in percent, one panel per dataset)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from nasrun.report import aggregate, load_summaries
from nasrun.report.plots import plot_best_so_far
from nasrun.report.published import compare, compare_markdown
from nasrun.report.results import trials_frame


def _run(path: Path, seed: int, trials: int, test: float, dataset: str = "cifar10") -> None:
    path.mkdir(parents=True)
    summary = {
        "search": "random",
        "space": "nb201",
        "estimator": "tabular",
        "dataset": dataset,
        "objective": {"name": "valid_acc", "direction": "maximize"},
        "seed": seed,
        "budget": {"trials": trials, "seconds": None, "cost_s": None},
        "best_value": test - 0.02,
        "best_test_value": test,
    }
    (path / "summary.json").write_text(json.dumps(summary))
    values = [0.5 + 0.1 * i / trials for i in range(trials)]
    pd.DataFrame(
        {
            "number": range(trials),
            "state": "COMPLETE",
            "value": values,
            "params": 1000,
            "cost_s": 10.0,
        }
    ).to_csv(path / "trials.csv", index=False)


def test_runs_of_different_budgets_are_not_one_row_and_seeds_are_distinct(tmp_path):
    # The finding: four seed-0 runs of 1, 3, 53 and 113 trials read as "4 seeds".
    for trials, test in [(1, 0.91), (3, 0.92), (53, 0.93), (113, 0.94)]:
        _run(tmp_path / f"t{trials}", 0, trials, test)
    _run(tmp_path / "again", 0, 113, 0.94)  # the same seed and budget, run twice
    table = aggregate(load_summaries([tmp_path])).set_index("budget")
    assert sorted(table.index) == ["trials=1", "trials=113", "trials=3", "trials=53"]
    assert table["seeds"].tolist() == [1, 1, 1, 1]
    assert table.loc["trials=113", "runs"] == 2

    comparison = compare(aggregate(load_summaries([tmp_path])), "nb201")
    random = comparison[comparison["search"] == "random"]
    assert len(random) == 4 and random["protocol"].str.startswith("differs").all()
    assert random["within_paper_std"].isna().all()  # no verdict on another protocol
    twice = random[random["budget"] == "trials=113"]["protocol"].item()
    assert "paper cost_s=12000" in twice and "2 runs of 1 distinct seeds" in twice
    assert "| differs: budget trials=1, paper cost_s=12000 |" in compare_markdown(comparison)


def test_best_so_far_figure_is_labelled_in_percent_with_a_panel_per_dataset(tmp_path):
    for seed in (0, 1):
        _run(tmp_path / "runs" / f"c10-{seed}", seed, 5, 0.9)
        _run(tmp_path / "runs" / f"c100-{seed}", seed, 5, 0.7, dataset="cifar100")
    from nasrun.report.plots import load_trials

    trials = load_trials(load_summaries([tmp_path / "runs"]))
    path = plot_best_so_far(trials, tmp_path / "best.png")
    assert path.is_file() and path.with_suffix(".pdf").is_file()
    svg = path.with_suffix(".svg").read_text()  # its text kept as text: the labels can be read
    for text in (
        "best valid_acc so far (%)",
        "evaluations (finished trials)",
        "cifar10 (nb201), budget trials=5",
        "cifar100 (nb201), budget trials=5",
        "random (2 seeds)",  # the seeds in each legend entry
    ):
        assert text in svg, text


def test_whole_number_attributes_stay_whole_in_trials_csv():
    import optuna

    study = optuna.create_study()
    for parent in (None, 3, 4):
        trial = study.ask()
        if parent is not None:
            trial.set_user_attr("parent", parent)
        trial.set_user_attr("n_params", 10)
        study.tell(trial, 1.0)
    frame = trials_frame(study.trials)
    assert frame["parent"].tolist()[1:] == [3, 4] and str(frame["parent"].dtype) == "Int64"
    assert frame["params"].tolist() == [10, 10, 10]  # the user attribute n_params
    written = frame.to_csv(index=False)
    assert ",3," in written and "3.0" not in written
