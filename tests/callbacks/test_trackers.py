"""Live trackers (callbacks=[mlflow,tensorboard]): each trial's numbers as numbers, and the
training curves per epoch, from a real run."""

from __future__ import annotations

import pytest

from nasrun.config import compose
from tests.conftest import make_experiment

RUN = ("budget.trials=2", "estimator.epochs=2")


def test_the_callbacks_group_composes_any_number_of_trackers():
    assert dict(compose().callbacks or {}) == {}
    chosen = compose("callbacks=[mlflow,tensorboard]").callbacks
    assert set(chosen) == {"mlflow", "tensorboard"}


def test_tensorboard_gets_each_trials_numbers_and_each_epochs_curve(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    experiment = make_experiment(tmp_path, *RUN, "callbacks=tensorboard")
    experiment.run()
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard")).Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"trial/value", "trial/n_params", "trial/cost_s", "best/value"} <= scalars
    assert [e.step for e in events.Scalars("trial/value")] == [0, 1]
    curve = EventAccumulator(str(tmp_path / "run" / "tensorboard" / "trial_1")).Reload()
    assert [e.step for e in curve.Scalars("epoch/valid_acc")] == [1, 2]
    values = [e.value for e in events.Scalars("trial/value")]
    assert values == pytest.approx([t.value for t in experiment.study.trials])


@pytest.mark.slow  # importing MLflow alone takes seconds
def test_mlflow_gets_a_run_per_trial_with_numbers_not_tags(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    experiment = make_experiment(
        tmp_path, *RUN, "callbacks=mlflow", f"callbacks.mlflow.tracking_uri={uri}"
    )
    experiment.run()
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("nasrun").experiment_id])
    by_name = {r.info.run_name: r for r in runs}
    parent = by_name[experiment.study.study_name]
    assert parent.data.tags["nasrun.space"] == "chain"
    trial = by_name["trial 1"]
    assert trial.data.tags["mlflow.parentRunId"] == parent.info.run_id
    study_trial = experiment.study.trials[1]
    metrics = trial.data.metrics
    assert metrics["value"] == pytest.approx(study_trial.value)
    assert metrics["n_params"] == study_trial.user_attrs["n_params"]
    assert metrics["cost_s"] > 0 and trial.data.params["arch"] == study_trial.user_attrs["arch"]
    curve = client.get_metric_history(trial.info.run_id, "epoch_valid_acc")
    assert sorted(m.step for m in curve) == [1, 2]
    assert {r.info.status for r in runs} == {"FINISHED"}
