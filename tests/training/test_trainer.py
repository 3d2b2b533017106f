"""The shared training loop on tiny real data."""

from __future__ import annotations

import pytest
import torch

from nasrun.data import Synthetic
from nasrun.spaces import ChainSpace
from nasrun.training import DivergedError, Trainer, count_flops, count_params

SPACE = ChainSpace(num_layers=2, num_filters=(8,), filter_sizes=(3,))


def _model(data):
    torch.manual_seed(0)
    return SPACE.build(
        SPACE.sample(__import__("random").Random(0)), data.num_classes, data.input_shape
    )


def test_training_learns_synthetic_data():
    data = Synthetic(num_classes=4, image_size=8, num_examples=400, noise=0.3)
    model = _model(data)
    before = Trainer().accuracy(model, data.valid)
    history = Trainer(batch_size=32).fit(model, data, epochs=4)
    assert [e.epoch for e in history.epochs] == [1, 2, 3, 4]
    assert history.last.valid_acc > max(0.6, before + 0.2)


def test_same_seed_trains_identically():
    data = Synthetic(num_classes=4, image_size=8, num_examples=200)
    runs = [Trainer(batch_size=32).fit(_model(data), data, epochs=2, seed=5).last for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss and runs[0].valid_acc == runs[1].valid_acc


def test_divergence_raises():
    data = Synthetic(num_classes=4, image_size=8, num_examples=100)
    trainer = Trainer(optimizer=lambda p: torch.optim.SGD(p, lr=float("inf")), grad_clip=None)
    with pytest.raises(DivergedError):
        trainer.fit(_model(data), data, epochs=3)


def test_costs():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1, bias=False), torch.nn.Flatten())
    assert count_params(model) == 18
    assert count_flops(model, (1, 4, 4)) == 2 * 18 * 16  # a multiply-add per weight and pixel
