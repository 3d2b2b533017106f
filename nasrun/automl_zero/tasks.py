"""The tasks algorithms learn (Real et al. 2020, Section 4 and Supplementary S1.1), as tensors.

``scalar_linear_regression``: features ~ N(0, 1), labels = w . x with teacher weights
w ~ N(0, 1) (the authors' ``ScalarLinearRegressionTaskCreator``); ``scalar_2layer_nn_regression``:
labels = u . relu(W x) with a random teacher (W, u ~ N(0, 1)); ``projected_binary``: two CIFAR-10
classes, images projected to ``features`` dimensions by a random Gaussian matrix, labels 0/1,
scored by accuracy of sigmoid(prediction) (the paper's binary classification tasks).
Each task's teacher and data come from its own seed, so a task set is a seed list.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from nasrun.errors import NasrunError

KINDS = ("scalar_linear_regression", "scalar_2layer_nn_regression", "projected_binary")


@dataclass(frozen=True)
class TaskBatch:
    """``num_tasks`` tasks stacked: features (T, N, F), labels (T, N); ``accuracy`` tells the
    evaluation type (False: RMS error)."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    valid_x: torch.Tensor
    valid_y: torch.Tensor
    accuracy: bool = False

    def __len__(self) -> int:
        return len(self.train_x)

    def head(self, tasks: int, train: int, valid: int) -> TaskBatch:
        """The first ``tasks`` tasks with their first ``train`` / ``valid`` examples (FEC's)."""
        return TaskBatch(
            self.train_x[:tasks, :train], self.train_y[:tasks, :train],
            self.valid_x[:tasks, :valid], self.valid_y[:tasks, :valid], self.accuracy,
        )  # fmt: skip


def make_tasks(
    kind: str,
    seeds: list[int],
    features: int,
    train: int,
    valid: int,
    images: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> TaskBatch:
    """One task per seed, as float64 tensors (the authors compute in double)."""
    if kind not in KINDS:
        raise NasrunError(f"automl_zero: unknown task {kind!r}; tasks are {', '.join(KINDS)}")
    if min(features, train, valid, len(seeds)) < 1:
        raise NasrunError("automl_zero: features, examples and tasks must be at least 1")
    made = [_task(kind, seed, features, train, valid, images) for seed in seeds]
    stacked = [torch.stack([task[i] for task in made]) for i in range(4)]
    return TaskBatch(*stacked, accuracy=kind == "projected_binary")


def _task(kind, seed, features, train, valid, images):
    gen = torch.Generator().manual_seed(int(seed))
    if kind == "projected_binary":
        return _projected_binary(gen, features, train, valid, images)
    x = torch.randn(train + valid, features, generator=gen, dtype=torch.float64)
    if kind == "scalar_linear_regression":
        y = x @ torch.randn(features, generator=gen, dtype=torch.float64)
    else:
        hidden = torch.randn(features, features, generator=gen, dtype=torch.float64)
        y = torch.relu(x @ hidden.T) @ torch.randn(features, generator=gen, dtype=torch.float64)
    return x[:train], y[:train], x[train:], y[train:]


def _projected_binary(gen, features, train, valid, images):
    if images is None:
        raise NasrunError("automl_zero: task projected_binary needs dataset=cifar10 (local files)")
    x_all, y_all = images
    classes = torch.randperm(int(y_all.max()) + 1, generator=gen)[:2]
    picked = torch.nonzero((y_all == classes[0]) | (y_all == classes[1])).flatten()
    if len(picked) < train + valid:
        raise NasrunError(
            f"automl_zero: projected_binary needs {train + valid} images of two classes, "
            f"the dataset has {len(picked)}"
        )
    picked = picked[torch.randperm(len(picked), generator=gen)[: train + valid]]
    flat = x_all[picked].flatten(1).to(torch.float64)
    projection = torch.randn(flat.shape[1], features, generator=gen, dtype=torch.float64)
    x = flat @ projection / flat.shape[1] ** 0.5
    y = (y_all[picked] == classes[1]).to(torch.float64)
    return x[:train], y[:train], x[train:], y[train:]
