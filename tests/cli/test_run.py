"""``nasrun`` end to end through Hydra: results contract, resume, determinism, sweeps, errors."""

from __future__ import annotations

import json
from importlib.metadata import version

from nasrun.training.threads import available_cores
from tests.conftest import TINY, make_experiment, run_cli, run_dir_results


def test_default_experiment_writes_the_results_contract(tmp_path):
    run_cli(tmp_path, *TINY, "budget.trials=3", "hydra.run.dir=run")
    trials, summary = run_dir_results(tmp_path / "run")
    assert (tmp_path / "run" / ".hydra" / "config.yaml").is_file()
    assert (tmp_path / "run" / "summary.md").read_text().startswith("# nasrun run summary")
    assert list(trials.columns[:5]) == ["number", "state", "arch", "value", "test_value"]
    for column in (
        "params",
        "flops",
        "cost_s",
        "fidelity",
        "worker",
        "datetime_start",
        "datetime_complete",
    ):
        assert column in trials
    assert (trials["state"] == "COMPLETE").sum() == 3
    assert trials["params"].gt(0).all() and trials["flops"].gt(0).all()
    for key in (
        "best_arch",
        "best_value",
        "best_test_value",
        "objective",
        "n_complete",
        "n_pruned",
        "n_failed",
        "elapsed_s",
        "space",
        "search",
        "estimator",
        "dataset",
        "seed",
        "storage",
        "study",
    ):
        assert key in summary, key
    assert summary["objective"] == {"name": "valid_acc", "direction": "maximize"}
    assert (summary["space"], summary["search"], summary["estimator"], summary["dataset"]) == (
        "chain",
        "random",
        "low_fidelity",
        "digits",
    )
    assert summary["best_value"] == trials["value"].max()
    assert not [key for key in summary if key.startswith("hydra")]  # only the plug-in groups
    assert (tmp_path / "outputs" / "nasrun.db").is_file()  # the study outlives the run directory


def test_resume_tops_up_a_study_without_reevaluating(tmp_path):
    make_experiment(tmp_path, "study=s", "budget.trials=3", run="first").run()
    first, _ = run_dir_results(tmp_path / "first")
    make_experiment(tmp_path, "study=s", "budget.trials=5", run="second").run()
    second, summary = run_dir_results(tmp_path / "second")
    assert summary["n_complete"] == 5
    # The first three trials are the same records, not evaluated again.
    kept = second[second["number"] < 3]
    assert kept[["arch", "value", "datetime_start"]].equals(
        first[["arch", "value", "datetime_start"]]
    )
    # A study that already met its budget runs nothing more.
    assert (
        make_experiment(tmp_path, "study=s", "budget.trials=5", run="third").run()["n_trials"] == 5
    )


def test_same_seed_gives_the_same_trials(tmp_path):
    for name in ("a", "b"):
        make_experiment(tmp_path / name, "seed=7", "budget.trials=3").run()
    a, _ = run_dir_results(tmp_path / "a" / "run")
    b, _ = run_dir_results(tmp_path / "b" / "run")
    assert a["arch"].tolist() == b["arch"].tolist()
    assert a["value"].tolist() == b["value"].tolist()


def test_multirun_over_seeds_reports_mean_and_std(tmp_path):
    run_cli(
        tmp_path,
        "-m",
        *TINY,
        "budget.trials=2",
        "verbose=false",
        "seed=0,1,2",
        "hydra.sweep.dir=sweep",
    )
    proc = run_cli(tmp_path, "sweep", tool="nasrun-report")
    report = (tmp_path / "sweep" / "report.csv").read_text().splitlines()
    assert len(report) == 2  # header + one set-up
    assert "random/chain/low_fidelity/digits" in proc.stdout
    row = dict(zip(report[0].split(","), report[1].split(","), strict=True))
    assert row["seeds"] == "3" and float(row["best_value_std"]) >= 0
    md = (tmp_path / "sweep" / "report.md").read_text()
    assert "±" in md


def test_failing_trials_are_recorded_and_the_search_goes_on(tmp_path):
    # A learning rate this large diverges: each trial fails with its reason; the run ends cleanly.
    make_experiment(
        tmp_path,
        "budget.trials=3",
        "budget.max_consecutive_failures=3",
        "trainer.optimizer.lr=inf",
        "trainer.grad_clip=null",
    ).run()
    trials, summary = run_dir_results(tmp_path / "run")
    assert summary["n_failed"] == 3 and summary["best_arch"] is None
    assert trials["fail_reason"].str.contains("DivergedError").all()


def test_help_lists_groups_and_cfg_prints_config(tmp_path):
    out = run_cli(tmp_path, "--help").stdout
    groups = dict(
        line.split(": ", 1) for line in out.splitlines() if line.startswith(("space: ", "search: "))
    )
    assert "chain" in groups["space"].split(", ") and "random" in groups["search"].split(", ")
    cfg = run_cli(tmp_path, "--cfg", "job", "seed=5").stdout
    assert "seed: 5" in cfg and "_target_: nasrun.spaces.ChainSpace" in cfg


def test_quiet_mode_prints_nothing(tmp_path):
    proc = run_cli(tmp_path, *TINY, "budget.trials=1", "verbose=false", "hydra.run.dir=run")
    assert proc.stdout == "" and proc.stderr == ""
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["n_complete"] == 1


def test_threads_are_set_on_purpose(tmp_path):
    """``threads`` is torch's intra-op thread count; by default the cores are shared out among
    the workers a sweep runs at once on this machine."""
    run_cli(tmp_path, *TINY, "budget.trials=1", "threads=1", "hydra.run.dir=one")
    assert run_dir_results(tmp_path / "one")[1]["threads"] == 1
    sweep = ("hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=sweep")
    run_cli(tmp_path, "-m", *TINY, "budget.trials=1", "verbose=false", "seed=0,1", *sweep)
    for job in ("0", "1"):
        summary = run_dir_results(tmp_path / "sweep" / job)[1]
        assert summary["threads"] == max(1, available_cores() // 2)


def test_the_console_says_where_the_results_went(tmp_path):
    first = run_cli(tmp_path, *TINY, "budget.trials=1", "study=s", "hydra.run.dir=one").stderr
    assert "nasrun: new study s in sqlite:///outputs/nasrun.db\n" in first
    made = "(summary.md, trials.csv, best_arch.json)"
    assert f"nasrun: results in {tmp_path}/one/ {made}\n" in first
    assert "  dashboard   optuna-dashboard sqlite:///outputs/nasrun.db\n" in first
    second = run_cli(tmp_path, *TINY, "budget.trials=2", "study=s", "hydra.run.dir=two").stderr
    resuming = (
        "nasrun: resuming study s in sqlite:///outputs/nasrun.db: 1 trial so far (1 complete)"
    )
    assert resuming in second


def test_version_and_help_are_nasruns(tmp_path):
    assert run_cli(tmp_path, "--version").stdout.startswith(f"nasrun {version('nasrun')} (hydra ")
    usage = run_cli(tmp_path, "-h", tool="nasrun-train").stdout
    assert usage.startswith("usage: nasrun-train arch=") and "darts_v2 " in usage
