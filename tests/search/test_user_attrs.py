"""A trial's record written in one statement reads back as Optuna's own writes do, on every
storage nasrun opens."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

from nasrun.search.user_attrs import set_user_attrs
from nasrun.study import open_storage
from tests.postgres import postgres_url  # noqa: F401 (a fixture)

RECORD = {"arch": "a|b", "valid_acc": 0.9123, "n_params": 587386, "none": None, "list": [1, 2]}


@pytest.mark.parametrize("kind", ["sqlite", "journal", "memory", "postgresql"])
def test_the_record_reads_back_like_optunas_own_writes(tmp_path, request, kind):
    url = {
        "sqlite": lambda: f"sqlite:///{tmp_path}/s.db",
        "journal": lambda: f"journal://{tmp_path}/s.log",
        "memory": lambda: "memory",
        "postgresql": lambda: request.getfixturevalue("postgres_url"),
    }[kind]()
    storage = open_storage(url)
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
