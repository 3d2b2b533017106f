"""nasrun's RDB storage (SQLite, PostgreSQL, MySQL): Optuna's, with a trial's first heartbeat
written in the transaction that creates it, and SQLite in write-ahead-log mode."""

from __future__ import annotations

import sqlite3
from typing import Any

import optuna
import sqlalchemy
from optuna.storages._rdb.models import TrialHeartbeatModel
from optuna.trial import TrialState


class RDBStorage(optuna.storages.RDBStorage):
    """Optuna's RDB storage, with a new running trial's first heartbeat written in the same
    transaction that creates the trial.

    Optuna writes the first beat from the trial's heartbeat thread, a moment after the trial
    exists. A worker killed in that moment left a RUNNING trial without a beat, which Optuna
    never calls stale: it stayed RUNNING and held its place in the budget for good. Written
    with the trial, the beat also spares every trial one transaction, which on SQLite contended
    with the trial's own writes (3 ms of a table look-up's 11 ms). The heartbeat thread's first
    beat then comes right after and is skipped; the ones every ``interval`` seconds are not.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._beaten_at_creation: set[int] = set()

    def _get_prepared_new_trial(
        self, study_id: int, template_trial: Any, session: sqlalchemy.orm.Session
    ) -> Any:
        trial = super()._get_prepared_new_trial(study_id, template_trial, session)
        if self.heartbeat_interval and trial.state == TrialState.RUNNING:
            session.add(TrialHeartbeatModel(trial_id=trial.trial_id))
            self._beaten_at_creation.add(trial.trial_id)
        return trial

    def record_heartbeat(self, trial_id: int) -> None:
        if trial_id in self._beaten_at_creation:
            self._beaten_at_creation.discard(trial_id)
            return
        super().record_heartbeat(trial_id)


def write_ahead(engine: sqlalchemy.engine.Engine) -> None:
    """SQLite in write-ahead-log mode with ``synchronous=NORMAL``: a commit appends to the log
    without waiting for the disk (fsync only at checkpoints), which makes every trial's ~30
    small transactions cheap; readers (optuna-dashboard, other workers on this machine) are
    not blocked by a writer. A power cut can lose the last commits, never corrupt the file.
    WAL needs the file on a local disk (not NFS), as several SQLite workers already do."""

    def pragmas(connection: Any, _: Any) -> None:
        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    sqlalchemy.event.listen(engine, "connect", pragmas)
    engine.dispose()  # connections opened before the listener reconnect with it
