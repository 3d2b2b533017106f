"""Best-so-far curves and Pareto fronts from trials tables."""

from __future__ import annotations

import pandas as pd

from nasrun.report.plots import best_so_far, pareto_front, plot_best_so_far, plot_pareto

SETUP = {"search": "random", "space": "chain", "estimator": "low_fidelity", "dataset": "digits"}


def _trials(run: str, values, states=None, params=None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame(
        {
            "number": range(n),
            "value": values,
            "state": states or ["COMPLETE"] * n,
            "params": params or [100 * (i + 1) for i in range(n)],
            "cost_s": [1.0] * n,
            "run": run,
            "direction": "maximize",
            **SETUP,
        }
    )


def test_best_so_far_ignores_failed_and_pruned_trials():
    trials = _trials(
        "a", [0.5, 0.9, 0.7, 0.95], states=["COMPLETE", "PRUNED", "COMPLETE", "COMPLETE"]
    )
    curve = best_so_far(trials)
    assert curve["best"].tolist() == [0.5, 0.5, 0.7, 0.95]
    assert best_so_far(trials, x="cost_s")["x"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_pareto_front_keeps_only_undominated_trials():
    trials = _trials("a", [0.5, 0.4, 0.8, 0.7, 0.9], params=[10, 20, 30, 40, 50])
    assert pareto_front(trials)["value"].tolist() == [0.5, 0.8, 0.9]


def test_plots_are_written(tmp_path):
    trials = pd.concat([_trials("a", [0.5, 0.6, 0.7]), _trials("b", [0.4, 0.8, 0.8])])
    assert plot_best_so_far(trials, tmp_path / "c.png").stat().st_size > 1000
    assert plot_pareto(trials, tmp_path / "p.png").stat().st_size > 1000
