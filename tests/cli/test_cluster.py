"""Cluster sweeps through Hydra's submitit launchers: the SLURM path run as local processes."""

from __future__ import annotations

import pytest

from tests.conftest import TINY, run_cli, run_dir_results


def test_a_submitit_sweep_writes_every_jobs_results_and_reports_them(tmp_path):
    sweep = ("search=random,ea", "seed=0,1", "budget.trials=3", "hydra.sweep.dir=sweep")
    run_cli(tmp_path, "-m", "hydra/launcher=submitit_local", *TINY, "verbose=false", *sweep)
    for job in range(4):
        trials, summary = run_dir_results(tmp_path / "sweep" / str(job))
        assert summary["n_complete"] == 3 and len(trials) == 3
        assert summary["threads"] == 1  # the launcher's cpus_per_task
    run_cli(tmp_path, "sweep", tool="nasrun-report")
    report = (tmp_path / "sweep" / "report.csv").read_text().splitlines()
    assert len(report) == 3  # a header, then random and ea with two seeds each


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ([], ["timeout_min: 240", "cpus_per_task: 8", "gpus_per_task: 1", "max_num_timeout: 3"]),
        (["hydra.launcher.partition=gpu"], ["partition: gpu"]),
    ],
)
def test_the_slurm_launcher_has_nasrun_defaults_a_user_can_override(tmp_path, override, expected):
    out = run_cli(tmp_path, "hydra/launcher=submitit_slurm", *override, "--cfg", "hydra").stdout
    launcher = out.split("  launcher:", 1)[1].split("\n  sweeper:", 1)[0]
    assert "SlurmLauncher" in launcher
    for line in expected:
        assert line in launcher
