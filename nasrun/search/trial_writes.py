"""A trial's writes grouped into one transaction each, not one per parameter and attribute.

Optuna's RDB storage writes each ``trial.suggest_*`` and each ``trial.set_user_attr`` as its
own transaction (a SELECT of the trial, a write, a commit). A nasrun trial draws about six
parameters and records about ten attributes, and for a table look-up, which takes microseconds,
those transactions were most of what a trial cost on SQLite. Here the trial's state is checked
once and its parameters (or attributes) go in one multi-row upsert, in Optuna's own schema and
encoding, with Optuna's checks (a finished trial refuses; a parameter's distribution must match
the study's). Where the storage is not a SQLite or PostgreSQL database (memory, journal files,
MySQL), or Optuna's internals are not the ones this was written against, each write goes through
Optuna one by one, as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, check_distribution_compatibility

try:
    from optuna.storages._cached_storage import _CachedStorage
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session
except ImportError:  # a later Optuna moved its internals: the plain path still works
    models = None

#: (name, value in Optuna's internal representation, distribution), as ``set_trial_param`` takes
Param = tuple[str, float, BaseDistribution]


def set_user_attrs(trial: optuna.Trial, attrs: dict[str, Any]) -> None:
    """``trial.set_user_attr(key, value)`` for each of ``attrs``."""
    _write(trial, [], attrs)


@contextmanager
def drawn_together(trial: optuna.Trial, attrs: dict[str, Any]) -> Iterator[None]:
    """The parameters the block suggests on ``trial``, and ``attrs``, written when it ends, in
    one transaction; written too when the block raises (Optuna would have kept them). The block
    should only draw: it takes microseconds, so no other worker could have used them sooner."""
    deferred = _DeferredParams(trial.storage)
    trial.storage = deferred  # type: ignore[assignment]  # what Trial._suggest writes through
    try:
        yield
    finally:
        trial.storage = deferred.storage
        _write(trial, deferred.params, attrs)


class _DeferredParams:
    """Stands in for a trial's storage while its parameters are drawn: keeps each
    ``set_trial_param``; everything else (reads, system attributes) goes through."""

    def __init__(self, storage: Any) -> None:
        self.storage, self.params = storage, []

    def set_trial_param(self, trial_id: int, name: str, value: float, dist: Any) -> None:
        self.params.append((name, value, dist))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.storage, name)


def _write(trial: optuna.Trial, params: list[Param], attrs: dict[str, Any]) -> None:
    if (params or attrs) and not _in_one_transaction(trial.storage, trial._trial_id, params, attrs):
        for name, value, distribution in params:
            trial.storage.set_trial_param(trial._trial_id, name, value, distribution)
        for key, value in attrs.items():
            trial.storage.set_trial_user_attr(trial._trial_id, key, value)
    trial._cached_frozen_trial.user_attrs.update(attrs)  # what trial.set_user_attr keeps


def _in_one_transaction(storage: Any, trial_id: int, params: list[Param], attrs: dict) -> bool:
    """Writes ``params`` and ``attrs`` in one transaction; False where this storage is not one
    it knows (nothing was written then)."""
    if models is None or not isinstance(storage, _CachedStorage):
        return False  # RDB storages come wrapped in Optuna's cache; others are not databases
    backend = storage._backend
    if backend.engine.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif backend.engine.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        return False
    with storage._lock:  # the study's parameter distributions, as Optuna's cache holds them
        if trial_id not in storage._trial_id_to_study_id_and_number:
            return False
        study_id, _ = storage._trial_id_to_study_id_and_number[trial_id]
        known = storage._studies[study_id].param_distribution
    with _create_scoped_session(backend.scoped_session, True) as session:
        state = models.TrialModel.find_or_raise_by_id(trial_id, session).state
        backend.check_trial_is_updatable(trial_id, state)  # a finished trial refuses, as Optuna
        rows = []
        for name, value, distribution in params:
            if name in known:
                check_distribution_compatibility(known[name], distribution)
                rows.append(
                    {
                        "trial_id": trial_id,
                        "param_name": name,
                        "param_value": value,
                        "distribution_json": optuna.distributions.distribution_to_json(
                            distribution
                        ),
                    }
                )
            else:  # the first in this process: Optuna's own write compares with the study's
                backend._set_trial_param_without_commit(
                    session, trial_id, name, value, distribution
                )
        if rows:
            _upsert(
                session,
                insert,
                models.TrialParamModel,
                rows,
                "param_name",
                ("param_value", "distribution_json"),
            )
        if attrs:
            rows = [
                {"trial_id": trial_id, "key": k, "value_json": json.dumps(v)}
                for k, v in attrs.items()
            ]
            _upsert(session, insert, models.TrialUserAttributeModel, rows, "key", ("value_json",))
    with storage._lock:
        for name, _, distribution in params:
            known.setdefault(name, distribution)
    return True


def _upsert(session: Any, insert: Any, model: Any, rows: list, key: str, values: tuple) -> None:
    """One multi-row INSERT of ``rows``; a row whose (trial, ``key``) exists is updated."""
    statement = insert(model).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[model.trial_id, getattr(model, key)],
        set_={column: getattr(statement.excluded, column) for column in values},
    )
    session.execute(statement)
