"""Opening the Optuna storage and study that hold an experiment's record."""

from __future__ import annotations

import time
from pathlib import Path

import optuna
import sqlalchemy
from optuna.storages import BaseStorage

from nasrun.errors import NasrunError

JOURNAL_PREFIX = "journal:///"
MEMORY = "memory"


def open_storage(url: str) -> BaseStorage:
    """An Optuna storage from a URL.

    ``sqlite:///path.db`` and any SQLAlchemy URL (``postgresql://...``) give an RDB storage;
    ``journal:///path.log`` gives a JournalStorage file, which suits many workers on a shared
    file system without a database server. ``memory`` keeps the study in this process only: no
    resume and no second worker, but no database round trip per trial either, which is what
    thousands of short runs of table look-ups need (the run directory still gets its tables).
    """
    if url == MEMORY:
        return optuna.storages.InMemoryStorage()
    try:
        if url.startswith(JOURNAL_PREFIX):
            from optuna.storages.journal import JournalFileBackend, JournalStorage

            path = Path(url.removeprefix(JOURNAL_PREFIX))
            path.parent.mkdir(parents=True, exist_ok=True)
            return JournalStorage(JournalFileBackend(str(path)))
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return _rdb_storage(url)
    except Exception as error:  # SQLAlchemy and driver errors come in many types
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise NasrunError(f"cannot open storage {url!r}: {reason}") from None


def _rdb_storage(url: str, attempts: int = 5) -> BaseStorage:
    # A generous SQLite lock timeout lets several local workers share one file.
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    for attempt in range(attempts):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as error:
            # Workers started together race to create the schema of a new database; the
            # loser sees "already exists" or a unique-key clash, and succeeds once the
            # winner has finished. Other errors (an unreachable server) fail at once.
            racing = isinstance(error, sqlalchemy.exc.IntegrityError) or "already exists" in str(
                error
            )
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def open_study(storage: BaseStorage, name: str, direction: str) -> optuna.Study:
    """Creates the study, or loads it when it exists (a resumed run or another worker)."""
    study = optuna.create_study(
        storage=storage, study_name=name, direction=direction, load_if_exists=True
    )
    if study.direction.name.lower() != direction:
        raise NasrunError(
            f"study {name!r} exists with direction {study.direction.name.lower()}, "
            f"but this run's objective wants {direction}; pick another study name"
        )
    return study
