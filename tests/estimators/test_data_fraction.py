"""`estimator.data_fraction`: each trial suggests the fraction of training data it trains on
(the fidelity FABOLAS chooses), and records it."""

from __future__ import annotations

import pytest

from nasrun.errors import NasrunError
from tests.conftest import make_experiment


def test_each_trial_suggests_and_records_its_training_fraction(tmp_path):
    experiment = make_experiment(
        tmp_path, "estimator.data_fraction=[0.25,0.5]", "budget.trials=2", "dataset=synthetic"
    )
    experiment.run()
    for trial in experiment.study.trials:
        fraction = trial.params["data_fraction"]
        assert 0.25 <= fraction <= 0.5
        assert f"data={fraction:g}" in trial.user_attrs["fidelity"]


@pytest.mark.parametrize("bad", ["[0.5,0.25]", "[0,1]", "[0.5,2]"])
def test_a_bad_range_is_refused(tmp_path, bad):
    with pytest.raises(NasrunError, match="estimator.data_fraction must be"):
        make_experiment(tmp_path, f"estimator.data_fraction={bad}")
