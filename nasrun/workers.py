"""``workers=N``: N cooperating processes on one study, started by the run itself.

The run is worker 0; it starts N-1 more processes (``python -m nasrun.worker``) of the same
config on the same study and storage, each in ``<run dir>/workers/<k>`` with its own log and
tables. They share the study's budget (:meth:`nasrun.budget.Budget.turn`), so the study ends
with exactly ``budget.trials`` finished trials. Processes, not threads: they are what a cluster
runs (``nasrun -m worker='range(N)' study=S storage=URL`` is the same thing across nodes),
each holds its own torch threads, and one can die without taking the others with it.

On a machine with several GPUs the workers are dealt out over them in turn (worker k on the
k-th visible GPU modulo their number, pinned with ``CUDA_VISIBLE_DEVICES`` so that it sees that
one GPU as ``cuda``): ``workers=G`` gives one worker per GPU, ``workers=4G`` packs four trials
on each, which a small candidate network needs to fill a large GPU. Without GPUs, or with a
device named by index (``device=cuda:1``: every worker there), nothing is pinned.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from omegaconf import DictConfig, OmegaConf

from nasrun.errors import NasrunError

SPEC = "worker.json"
#: Devices that leave the choice of GPU to the worker (an indexed one is kept as named).
PINNABLE = ("auto", "cuda")
#: How long interrupted workers get to mark their trials and write their tables.
STOP_GRACE_S = 30


class WorkerPool:
    """The extra worker processes of one run (none when ``workers`` is 1)."""

    def __init__(
        self,
        cfg: DictConfig,
        run_dir: Path,
        choices: dict[str, str] | None = None,
        parallel: bool = True,
    ) -> None:
        self.count = int(cfg.get("workers") or 1)
        if self.count < 1:
            raise NasrunError(f"workers must be at least 1, got {self.count}")
        if self.count > 1 and not parallel:  # a one-shot search trains one supernet
            raise NasrunError(
                f"search={cfg.search.get('name') or 'this'} runs as one worker; use workers=1"
            )
        if self.count > 1 and cfg.storage == "memory":
            raise NasrunError(
                "workers>1 needs a storage every worker opens (sqlite:///..., journal:///..., "
                "postgresql://...), not storage=memory"
            )
        self.cfg, self.choices, self.folder = cfg, choices, Path(run_dir) / "workers"
        self.gpus = visible_gpus() if cfg.get("device", "auto") in PINNABLE else []
        self.study: str | None = None
        self.processes: list[subprocess.Popen] = []

    def on(self, study: str) -> WorkerPool:
        """The pool for ``study`` (its name once opened: a long one is hashed), to enter."""
        self.study = study
        return self

    def __enter__(self) -> WorkerPool:
        assert self.study is not None, "enter WorkerPool.on(study)"
        for k in range(1, self.count):
            spec = _spec(self.cfg, self.study, k, self.count, self.choices)
            folder = self.folder / str(k)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / SPEC).write_text(json.dumps(spec, indent=1))
            with (folder / "stderr.txt").open("w") as stderr:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "nasrun.worker", str(folder)],
                        stdout=subprocess.DEVNULL,
                        stderr=stderr,
                        env=worker_environment(k, self.gpus, os.environ),
                    )
                )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:  # this worker failed or was interrupted: so are the others
            self.stop()
            return
        failed = [
            (k, code) for k, p in enumerate(self.processes, start=1) if (code := p.wait()) != 0
        ]
        if failed:
            k, code = failed[0]
            raise NasrunError(
                f"{len(failed)} of {self.count - 1} extra workers failed; worker {k} exited "
                f"{code}: {_last_line(self.folder / str(k) / 'stderr.txt')}"
            )

    def stop(self) -> None:
        """Interrupts the workers (as Ctrl-C would: trials marked, tables written)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def visible_gpus(environ: Mapping[str, str] | None = None, count: int | None = None) -> list[str]:
    """The GPUs this process sees, as ``CUDA_VISIBLE_DEVICES`` names them to a child process
    (indices or UUIDs; this process's own list when it has one); ``count``: how many torch
    sees (default: ask torch, which finds none on a machine without CUDA)."""
    environ = os.environ if environ is None else environ
    if count is None:
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    listed = environ.get("CUDA_VISIBLE_DEVICES")
    names = [g.strip() for g in listed.split(",")] if listed is not None else []
    return (names if listed is not None else [str(i) for i in range(count)])[:count]


def gpu_of(worker: int, gpus: list[str]) -> str | None:
    """The GPU worker ``worker`` runs on: dealt in turn, so worker 0 (this process, which sees
    them all and takes the first as ``cuda``) and every G-th one share the first."""
    return gpus[worker % len(gpus)] if gpus else None


def worker_environment(worker: int, gpus: list[str], environ: Mapping[str, str]) -> dict[str, str]:
    """The environment worker ``worker`` starts with: this one's, pinned to its GPU if any."""
    gpu = gpu_of(worker, gpus)
    return {**environ} if gpu is None else {**environ, "CUDA_VISIBLE_DEVICES": gpu}


def _spec(
    cfg: DictConfig, study: str, index: int, count: int, choices: dict[str, str] | None
) -> dict[str, Any]:
    """Worker ``index``'s config: this run's, on its study, one worker, quiet."""
    config = OmegaConf.to_container(cfg, resolve=True)
    config |= {"study": study, "workers": 1, "worker": index, "verbose": False}
    return {"config": config, "choices": choices or {}, "local_workers": count}


def _last_line(path: Path) -> str:
    lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "no message (see its nasrun.log)"
