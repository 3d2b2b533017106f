"""Packing trials on GPUs: ``workers=N`` deals its processes out over the visible GPUs.

The dealing and the environment each worker starts with are checked here on any machine; a
machine with CUDA also runs two workers on one GPU as a real study."""

from __future__ import annotations

import pytest
import torch

from nasrun.workers import gpu_of, visible_gpus, worker_environment
from tests.conftest import make_experiment


def test_workers_are_dealt_over_the_visible_gpus_in_turn():
    gpus = visible_gpus({}, count=2)
    assert gpus == ["0", "1"]
    assert [gpu_of(k, gpus) for k in range(5)] == ["0", "1", "0", "1", "0"]  # 3 + 2 packed


def test_a_restricted_process_hands_on_its_own_gpu_names():
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "3,GPU-ab12"}, count=2) == ["3", "GPU-ab12"]
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": ""}, count=0) == []


def test_each_worker_sees_only_its_gpu_and_nothing_changes_without_one():
    environ = {"PATH": "/bin", "CUDA_VISIBLE_DEVICES": "2,5"}
    pinned = worker_environment(3, ["2", "5"], environ)
    assert pinned == {"PATH": "/bin", "CUDA_VISIBLE_DEVICES": "5"}
    assert worker_environment(3, [], {"PATH": "/bin"}) == {"PATH": "/bin"}  # CPU: as it was


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_without_cuda_no_worker_is_pinned(tmp_path):
    assert visible_gpus() == []
    assert make_experiment(tmp_path, "workers=1").workers.gpus == []


def test_a_device_named_outright_is_never_pinned(tmp_path):
    assert make_experiment(tmp_path, "device=cpu").workers.gpus == []


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_two_workers_packed_on_one_gpu_share_a_study(tmp_path):
    run = make_experiment(
        tmp_path,
        "device=auto",  # pinned: both workers on the first GPU when there is one
        "workers=2",
        "budget.trials=4",
        f"storage=sqlite:///{tmp_path}/s.db",
    )
    summary = run.run()
    assert summary["n_complete"] == 4
    assert (tmp_path / "run" / "workers" / "1" / "trials.csv").is_file()
