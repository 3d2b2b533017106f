"""JASQ (hpo=quant): fake quantisation with a straight-through gradient, size in bytes, and the
joint search of architecture and bit widths."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from nasrun.quant import fake_quantize, model_bytes, quantize
from tests.conftest import make_experiment


def test_fake_quantisation_rounds_forward_and_passes_gradients_straight_through():
    x = torch.linspace(-1, 1, 1001, requires_grad=True)
    q = fake_quantize(x, 4)
    assert q.detach().unique().numel() <= 2**4 - 1  # symmetric: -7..7 times the scale
    assert (q - x).abs().max() <= 1 / 7 / 2 + 1e-6
    q.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))
    assert fake_quantize(x, 32) is x


def test_size_counts_quantised_weights_at_their_bits_and_the_rest_as_float32():
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.Linear(8, 4))
    fp32 = model_bytes(model)
    assert fp32 == 4 * sum(p.numel() for p in model.parameters())
    quantize(model, [(8, 8), (4, 8)])
    conv, linear = 8 * 9, 8 * 4  # the weights; biases and batch norm stay float32
    rest = sum(p.numel() for p in model.parameters()) - conv - linear
    assert model_bytes(model) == conv * 1 + linear * 0.5 + rest * 4


def test_architecture_and_bits_are_searched_together_against_size(tmp_path):
    summary = make_experiment(
        tmp_path,
        "hpo=quant",
        "hpo.layers=2",
        "objective=multi",
        "objective.costs=[size_bytes]",
        "search=nsga2",
        "budget.trials=3",
    ).run()
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert trials["arch"].str.contains(r"#w\d+a\d+,w\d+a\d+$").all()
    assert (trials["size_bytes"] < 4 * trials["params"]).any() or (
        trials["arch"].str.count("w32") == 2
    ).all()
    assert summary["pareto"] and {"valid_acc", "size_bytes"} <= set(summary["pareto"][0])


def test_jasq_evolution_scalarises_size_with_the_mnasnet_reward(tmp_path):
    summary = make_experiment(
        tmp_path,
        "hpo=quant",
        "objective=mnasnet",
        "objective.cost=size_bytes",
        "objective.target=2000",
        "search=ea",
        "budget.trials=2",
    ).run()
    assert summary["objective"]["name"] == "mnasnet_reward(size_bytes<=2000)"
    assert summary["n_complete"] == 2
