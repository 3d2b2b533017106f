"""A trial's parameters and record, written in one transaction each, read back as Optuna's own
writes do, on every storage nasrun opens."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from nasrun.search.trial_writes import drawn_together, set_user_attrs
from nasrun.study import open_storage
from tests.postgres import postgres_url  # noqa: F401 (a fixture)

RECORD = {"arch": "a|b", "valid_acc": 0.9123, "n_params": 587386, "none": None, "list": [1, 2]}


STORAGES = ["sqlite", "journal", "memory", "postgresql"]


def _storage(kind: str, tmp_path, request) -> optuna.storages.BaseStorage:
    return open_storage(
        {
            "sqlite": lambda: f"sqlite:///{tmp_path}/s.db",
            "journal": lambda: f"journal://{tmp_path}/s.log",
            "memory": lambda: "memory",
            "postgresql": lambda: request.getfixturevalue("postgres_url"),
        }[kind]()
    )


@pytest.mark.parametrize("kind", STORAGES)
def test_the_record_reads_back_like_optunas_own_writes(tmp_path, request, kind):
    storage = _storage(kind, tmp_path, request)
    study = optuna.create_study(storage=storage, study_name=f"attrs-{tmp_path.name}")
    trial = study.ask()
    trial.set_user_attr("worker", "w0")  # written before, then overwritten by the record
    set_user_attrs(trial, {**RECORD, "worker": "w1"})
    assert trial.user_attrs == {**RECORD, "worker": "w1"}  # the live trial sees them too
    study.tell(trial, 1.0)
    reloaded = optuna.load_study(study_name=study.study_name, storage=storage)
    assert reloaded.trials[0].user_attrs == {**RECORD, "worker": "w1"}
    with pytest.raises(RuntimeError, match="finished"):  # as trial.set_user_attr refuses
        set_user_attrs(trial, {"late": 1})
    assert "late" not in reloaded.trials[0].user_attrs
    assert reloaded.trials[0].state == TrialState.COMPLETE


def _draw(trial: optuna.Trial) -> dict:
    return {
        "op": trial.suggest_categorical("op", ["conv", "pool", "none"]),
        "lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        "width": trial.suggest_int("width", 8, 64, step=8),
    }


@pytest.mark.parametrize("kind", STORAGES)
def test_parameters_drawn_together_read_back_like_optunas_own(tmp_path, request, kind):
    storage = _storage(kind, tmp_path, request)
    study = optuna.create_study(storage=storage, study_name=f"draw-{tmp_path.name}")
    study.enqueue_trial({"op": "pool"})  # a fixed parameter goes the same way
    for _ in range(3):  # the first trial meets each parameter's name for the first time
        plain = study.ask()
        expected = _draw(plain)
        study.tell(plain, 0.0)
        together = study.ask()
        with drawn_together(together, {"worker": "w0"}):
            drawn = _draw(together)
            assert drawn["op"] == together.params["op"]  # the live trial sees them at once
        study.tell(together, 1.0)
        reloaded = optuna.load_study(study_name=study.study_name, storage=storage)
        first, second = reloaded.trials[-2:]
        assert second.params == drawn and second.user_attrs == {"worker": "w0"}
        assert second.distributions == first.distributions and first.params == expected
    assert reloaded.trials[0].params["op"] == "pool"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_drawn_together_keeps_optunas_checks(tmp_path, request, kind):
    storage = _storage(kind, tmp_path, request)
    study = optuna.create_study(storage=storage, study_name=f"checks-{tmp_path.name}")
    study.optimize(lambda t: len(_draw(t)), n_trials=1)
    trial = study.ask()
    with pytest.raises(ValueError, match="dynamic value space"), drawn_together(trial, {}):
        trial.suggest_categorical("op", ["other", "choices"])  # the study's "op" differs
    with pytest.raises(RuntimeError), drawn_together(trial, {}):  # a block that fails
        trial.suggest_int("depth", 1, 3)
        raise RuntimeError("sampler failed")
    assert study.trials[-1].params.keys() == {"depth"}  # what it drew is kept, as Optuna does
    study.tell(trial, 0.0)
    with pytest.raises(RuntimeError, match="finished"), drawn_together(trial, {}):
        trial.suggest_int("late", 1, 3)
