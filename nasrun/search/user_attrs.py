"""A trial's user attributes written in one statement, not one transaction each.

Optuna's RDB storage writes each ``trial.set_user_attr`` as its own transaction: a SELECT of
the trial, an upsert and a commit. A nasrun trial records about ten attributes, and for a
table look-up, which takes microseconds, those statements were most of what a trial cost on
SQLite. Here the trial's state is checked once and every attribute goes in one multi-row
upsert, in Optuna's own schema and JSON encoding. Where the storage is not a SQLite or
PostgreSQL database (memory, journal files, MySQL), or Optuna's internals are not the ones this
was written against, the attributes are written one by one as Optuna does.
"""

from __future__ import annotations

import json
from typing import Any

import optuna


def set_user_attrs(trial: optuna.Trial, attrs: dict[str, Any]) -> None:
    """``trial.set_user_attr(key, value)`` for each of ``attrs``."""
    storage = trial.storage
    backend = getattr(storage, "_backend", storage)  # RDB storages come wrapped in a cache
    if not (attrs and _upsert(backend, trial._trial_id, attrs)):
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return
    trial._cached_frozen_trial.user_attrs.update(attrs)  # what trial.set_user_attr keeps


def _upsert(backend: Any, trial_id: int, attrs: dict[str, Any]) -> bool:
    """Writes ``attrs`` in one transaction; False where this storage is not one it knows."""
    if not isinstance(backend, optuna.storages.RDBStorage):
        return False
    try:
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session
    except ImportError:  # a later Optuna moved its internals: the plain path still works
        return False
    if backend.engine.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif backend.engine.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        return False
    model = models.TrialUserAttributeModel
    rows = [{"trial_id": trial_id, "key": k, "value_json": json.dumps(v)} for k, v in attrs.items()]
    statement = insert(model).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[model.trial_id, model.key],
        set_={"value_json": statement.excluded.value_json},
    )
    with _create_scoped_session(backend.scoped_session) as session:
        state = models.TrialModel.find_or_raise_by_id(trial_id, session).state
        backend.check_trial_is_updatable(trial_id, state)  # a finished trial refuses, as Optuna
        session.execute(statement)
    return True
