"""Failures a run survives or reports: failing trials (NaN loss, CUDA out of memory), a run in
which nothing completed, a failing job in a sweep, SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
import torch
from torch import nn

from nasrun.estimators.initializer import Initializer, Start
from tests.conftest import BIN, TINY, make_experiment, run_cli, run_dir_results


class FaultInjector(Initializer):
    """A test-only initializer (``estimator.initializer``): trial ``nan_trial``'s network outputs
    NaN, and trial ``oom_trial``'s network runs out of CUDA memory in its forward pass (after
    taking ``hold_gib`` of it, on a GPU). ``reserved`` keeps the CUDA memory each trial found."""

    reserved: dict[int, int] = {}

    def __init__(self, nan_trial: int, oom_trial: int, hold_gib: float = 0.0) -> None:
        self.nan_trial, self.oom_trial, self.hold_gib = nan_trial, oom_trial, hold_gib

    def start(self, space, arch, model: nn.Module, trial) -> Start:
        if torch.cuda.is_available():
            FaultInjector.reserved[trial.number] = torch.cuda.memory_reserved()
        if trial.number == self.nan_trial:
            model.register_forward_hook(lambda module, inputs, out: out * float("nan"))
        if trial.number == self.oom_trial:
            model.register_forward_pre_hook(self._out_of_memory)
        return Start()

    def _out_of_memory(self, module: nn.Module, inputs: tuple) -> None:
        x = inputs[0]
        if x.device.type != "cuda":  # what a GPU says when a network does not fit
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 80.00 GiB")
        held = torch.empty(int(self.hold_gib * 2**30), dtype=torch.uint8, device=x.device)
        torch.empty(2**40, dtype=torch.uint8, device=x.device)  # 1 TiB: a real OutOfMemoryError
        del held


def _injector(**options) -> str:
    fields = ",".join(f"{k}:{v}" for k, v in options.items())
    return f"estimator.initializer={{_target_:tests.cli.test_failures.FaultInjector,{fields}}}"


def test_nan_loss_and_cuda_out_of_memory_fail_their_trials_and_the_search_goes_on(tmp_path):
    injector = _injector(nan_trial=1, oom_trial=2)
    summary = make_experiment(tmp_path, "budget.trials=3", injector).run()
    trials = run_dir_results(tmp_path / "run")[0].set_index("number")
    assert summary["n_complete"] == 3 and summary["n_failed"] == 2  # the budget, finished
    assert trials.loc[1, "state"] == "FAIL" and trials.loc[2, "state"] == "FAIL"
    assert trials.loc[1, "fail_reason"].startswith("DivergedError: training loss became nan")
    assert trials.loc[2, "fail_reason"].startswith("OutOfMemoryError: CUDA out of memory")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_real_cuda_out_of_memory_is_freed_before_the_next_trial(tmp_path):
    injector = _injector(nan_trial=-1, oom_trial=1, hold_gib=8)
    summary = make_experiment(tmp_path, "budget.trials=2", "device=cuda", injector).run()
    assert summary["n_complete"] == 2 and summary["n_failed"] == 1
    reason = run_dir_results(tmp_path / "run")[0].set_index("number").loc[1, "fail_reason"]
    assert reason.startswith("OutOfMemoryError")
    # The 8 GiB the failed trial held are back with the device when trial 2 starts.
    assert FaultInjector.reserved[2] < FaultInjector.reserved[1] + 2**30


def test_a_run_in_which_every_trial_failed_exits_non_zero(tmp_path):
    diverge = ("trainer.optimizer.lr=inf", "trainer.grad_clip=null", "hydra.run.dir=run")
    failures = ("budget.trials=2", "budget.max_consecutive_failures=2")
    proc = run_cli(tmp_path, *TINY, *failures, *diverge, "verbose=false", check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("nasrun: error: nothing completed: all 2 trials failed (the ")
    assert "DivergedError" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert run_dir_results(tmp_path / "run")[1]["n_failed"] == 2  # the tables are written


def test_the_failure_budget_does_not_exceed_the_trial_budget(tmp_path):
    diverge = ("trainer.optimizer.lr=inf", "trainer.grad_clip=null")
    failures = ("budget.trials=2", "budget.max_consecutive_failures=10")
    summary = make_experiment(tmp_path, *failures, *diverge).run()
    assert summary["n_failed"] == 2 and summary["best_arch"] is None


@pytest.mark.parametrize(
    "launcher", [[], ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]], ids=["basic", "joblib"]
)
def test_a_failing_sweep_job_does_not_stop_the_others(tmp_path, launcher):
    sweep = ("budget.trials=0,1", "verbose=false", "hydra.sweep.dir=sweep", *launcher)
    proc = run_cli(tmp_path, "-m", *TINY, *sweep, check=False)
    assert run_dir_results(tmp_path / "sweep" / "1")[1]["n_complete"] == 1  # job 1 ran
    reason = "budget.trials must be positive, got 0"
    assert (tmp_path / "sweep" / "0" / "error.txt").read_text().strip() == reason
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"nasrun: error: 1 of 2 sweep jobs failed (0: {reason}); the others finished"
    )


def _terminated_run(tmp_path):
    """A run sent SIGTERM while a trial trains: its exit, stderr and tables."""
    args = [*TINY, "estimator.epochs=200", "budget.trials=3", "verbose=false", "hydra.run.dir=run"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.Popen(
        [str(BIN / "nasrun"), *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 300
    while not _epochs_reported(tmp_path) and time.time() < deadline and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)  # what `timeout` and SLURM's pre-emption send
    stderr = run.communicate(timeout=300)[1]
    return run.returncode, stderr, run_dir_results(tmp_path / "run")[0]


def _epochs_reported(tmp_path) -> int:
    """Epochs the running trial has finished: it is training (not between Optuna's ``ask``
    and the objective, where an interrupt leaves a trial RUNNING, as Ctrl-C does too)."""
    try:
        with sqlite3.connect(tmp_path / "outputs" / "nasrun.db") as db:
            return db.execute("select count(*) from trial_intermediate_values").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def test_sigterm_is_handled_as_ctrl_c(tmp_path):
    code, stderr, trials = _terminated_run(tmp_path)
    assert code == 143  # 128 + SIGTERM, as a shell reports it
    assert stderr.strip().splitlines() == [
        "nasrun: error: terminated (SIGTERM); every finished trial is kept in the study and the "
        "tables were written"
    ]
    assert trials["state"].tolist() == ["FAIL"]  # the running trial: marked, not left RUNNING


def test_a_terminated_trial_says_why(tmp_path):
    trials = _terminated_run(tmp_path)[2]
    assert trials["fail_reason"].tolist() == ["Terminated: terminated (SIGTERM)"]
