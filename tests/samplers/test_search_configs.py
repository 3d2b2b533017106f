"""Every ``search=`` option end to end: real configs, real training on digits, real studies."""

from __future__ import annotations

import pytest

from nasrun.cli.errors import group_choices
from nasrun.config import CONFIG_DIR
from nasrun.errors import NasrunError
from tests.conftest import make_experiment, run_cli, run_dir_results
from tests.spaces.test_contract import TINY as TINY_SPACES

SEARCHES = sorted(
    option
    for option in group_choices(CONFIG_DIR)["search"]
    if "OptunaSearch"
    in (CONFIG_DIR / "search" / f"{option}.yaml").read_text()  # one-shot: elsewhere
)
SPACES = group_choices(CONFIG_DIR)["space"]


def test_the_discrete_searches_are_all_configured():
    assert {"random", "grid", "tpe", "gp", "cmaes", "nsga2", "ea", "rl", "ppo"} <= set(SEARCHES)
    assert {"hyperband", "sh", "bohb"} <= set(SEARCHES)


@pytest.mark.parametrize("search", SEARCHES)
def test_each_search_runs_a_small_study(tmp_path, search):
    summary = make_experiment(tmp_path, f"search={search}", "budget.trials=3").run()
    assert summary["n_complete"] + summary["n_pruned"] == 3 and summary["n_failed"] == 0


@pytest.mark.parametrize("search", ["hyperband", "bohb"])
def test_multi_fidelity_searches_prune_and_train_fewer_epochs(tmp_path, search):
    # Without pruning, the same budget trains every trial for all estimator.epochs.
    trials_budget, epochs = 9, 3
    args = (f"estimator.epochs={epochs}", f"budget.trials={trials_budget}", f"search={search}")
    make_experiment(tmp_path, *args).run()
    trials, _ = run_dir_results(tmp_path / "run")
    assert (trials["state"] == "PRUNED").sum() > 0
    assert trials["epochs"].sum() < trials_budget * epochs
    pruned = trials[trials["state"] == "PRUNED"]
    assert (pruned["epochs"] < epochs).all()


def test_joint_nas_and_hpo_trains_each_trial_with_its_own_settings(tmp_path):
    args = ("search=tpe", "hpo=default", "hpo.epochs=[1,2]", "budget.trials=4")
    make_experiment(tmp_path, *args).run()
    trials, _ = run_dir_results(tmp_path / "run")
    assert (trials["state"] == "COMPLETE").all() and len(trials) == 4
    for name in ("lr", "weight_decay", "batch_size", "optimizer"):
        assert trials[f"param_{name}"].notna().all(), name
    assert (trials["epochs"] == trials["param_epochs"]).all()  # the estimator used the trial's


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["search=grid", "space.num_layers=8"], "holds 35,184,372,088,832 architectures"),
        (["search=hyperband", "hpo=default"], "hpo.epochs conflicts with a pruner"),
        (["search=grid", "hpo=default", "hpo.epochs=null"], "architectures only"),
    ],
)
def test_combinations_that_make_no_sense_are_refused(tmp_path, overrides, expected):
    with pytest.raises(NasrunError, match=expected):
        make_experiment(tmp_path, *overrides).run()


@pytest.mark.slow
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("search", SEARCHES)
def test_every_search_on_every_space_runs_or_is_refused_in_one_line(tmp_path, search, space):
    proc = run_cli(
        tmp_path,
        f"search={search}",
        f"space={space}",
        *TINY_SPACES.get(space, []),  # small networks: the searches are under test, not training
        "dataset=digits",
        "budget.trials=4",
        "device=cpu",
        check=False,
    )
    if proc.returncode != 0:  # a refusal: one line, no traceback
        assert proc.stderr.strip().startswith("nasrun: error:"), proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stdout
