"""Joint NAS + HPO (nasrun/hpo.py): what a trial suggests, and the estimators it cannot tune.

That an estimator trains with a trial's settings is in test_contract.py (every YAML).
"""

from __future__ import annotations

import optuna
import pytest

from nasrun.config import compose, instantiate
from nasrun.data import Synthetic
from nasrun.errors import NasrunError
from nasrun.hpo import HyperParameters
from nasrun.spaces import ChainSpace, NB201Space
from nasrun.training import Trainer

DATA = Synthetic(num_classes=4, image_size=8, num_examples=60)
RANDOM, NOP = optuna.samplers.RandomSampler(), optuna.pruners.NopPruner()


def _estimator(name: str, space=None):
    cfg = compose(f"estimator={name}")
    space = space or ChainSpace()
    return instantiate(cfg.estimator, "estimator", space=space, dataset=DATA, trainer=Trainer())


def test_a_trial_suggests_every_searched_setting():
    hpo = instantiate(compose("hpo=default", "hpo.epochs=[1,2]").hpo, "hpo")
    hpo.check(_estimator("low_fidelity"), RANDOM, NOP)
    trial = optuna.create_study().ask()
    values = hpo.suggest(trial)
    assert set(trial.params) == {"lr", "weight_decay", "batch_size", "epochs", "optimizer"}
    assert {k: values[k] for k in trial.params} == trial.params and values["momentum"] == 0.9


@pytest.mark.parametrize(
    ("estimator", "settings", "sampler", "pruner", "message"),
    [
        ("tabular", {}, RANDOM, NOP, "trains nothing to tune"),
        ("curve_extrapolation", {"epochs": (1, 3)}, RANDOM, NOP, "hpo.epochs: .* does not apply"),
        ("low_fidelity", {"epochs": (1, 3)}, RANDOM, optuna.pruners.HyperbandPruner(), "pruner"),
        ("low_fidelity", {}, optuna.samplers.GridSampler({"x": [0]}), NOP, "architectures only"),
    ],
)
def test_settings_that_cannot_apply_are_refused(estimator, settings, sampler, pruner, message):
    space = NB201Space() if estimator == "tabular" else None
    with pytest.raises(NasrunError, match=message):
        HyperParameters(**settings).check(_estimator(estimator, space), sampler, pruner)


def test_bad_ranges_and_unknown_optimisers_are_refused():
    with pytest.raises(NasrunError, match="hpo.lr"):
        HyperParameters(lr=(0.1, 0.01))
    with pytest.raises(NasrunError, match="unknown"):
        HyperParameters(optimizer=("sgd", "lion"))
