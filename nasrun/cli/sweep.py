"""A ``nasrun -m`` sweep in which each job's failure is its own.

A job that fails (a bad combination, nothing completed) writes its one-line reason to
``<job dir>/error.txt`` and returns, so that Hydra's launchers go on with the other jobs: a job
that exits would end a basic sweep there, and joblib would cancel the jobs running beside it.
:class:`SweepReport` (configured under ``hydra.callbacks``) then says which jobs failed and
exits non-zero once every job has had its turn. The reasons travel as files because jobs run
in other processes (joblib) or on other machines (submitit), and the sweep folder is shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from nasrun.cli.errors import fail, say

ERROR_FILE = "error.txt"


def job_failed(run_dir: str | Path, job: int | str, message: str) -> None:
    """Records a sweep job's failure beside its other files, and says so at once."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / ERROR_FILE).write_text(message + "\n")
    say(f"nasrun: sweep job {job} failed: {message}")


class SweepReport(Callback):
    """Reports the sweep's failed jobs at its end, in one line, and exits 1 when there are any."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        # A sweep run again into the same folder: only this sweep's failures count.
        for stale in Path(config.hydra.sweep.dir).rglob(ERROR_FILE):
            stale.unlink()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep = Path(config.hydra.sweep.dir)
        failed = sorted(sweep.rglob(ERROR_FILE), key=lambda p: _job_order(p.parent, sweep))
        if not failed:
            return
        jobs = len(list(sweep.rglob(".hydra"))) or len(failed)
        reasons = "; ".join(
            f"{p.parent.relative_to(sweep)}: {p.read_text().strip()[:200]}" for p in failed
        )
        fail(f"{len(failed)} of {jobs} sweep jobs failed ({reasons}); the others finished", 1)


def _job_order(job_dir: Path, sweep: Path) -> tuple:
    # Job folders are numbered (hydra.sweep.subdir=${hydra.job.num}): 2 before 10.
    name = str(job_dir.relative_to(sweep))
    return (0, int(name), "") if name.isdigit() else (1, 0, name)
