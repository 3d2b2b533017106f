"""Storage failures as one line, without the database password.

A database or disk failure inside ``study.optimize`` surfaces in many shapes: SQLAlchemy and
driver errors, ``OSError``, and when the failure hits Optuna's own ``tell``, an
``AssertionError("Should not reach.")`` whose context is the real error. Each becomes one
:class:`NasrunError` line; anything else stays a traceback (a bug).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from json import JSONDecodeError

import optuna
import sqlalchemy

from nasrun.errors import NasrunError

#: Errors of the storage itself, raised wherever a trial reads or writes its record.
DATABASE_ERRORS = (optuna.exceptions.StorageInternalError, sqlalchemy.exc.SQLAlchemyError)
#: ... and those that can only come from the storage outside an objective (a full disk under a
#: journal file; a damaged journal line read by another worker mid-run).
STORAGE_ERRORS = (*DATABASE_ERRORS, OSError, JSONDecodeError)


class StorageFailed(BaseException):
    """A storage error met inside an objective. A ``BaseException``, so that Optuna's
    ``catch=`` does not record it as the trial's failure (and go on to the next trial on a
    database that cannot take it): it ends the run, as one line, through
    :func:`storage_errors`. The trial stays RUNNING; with heartbeats the next run re-queues it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def masked(url: str) -> str:
    """``url`` with its password shown as ``***`` (URLs without one are unchanged)."""
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except Exception:  # not a SQLAlchemy URL (journal://, memory): nothing to hide
        return url
    if not parsed.password:
        return url
    return parsed.render_as_string(hide_password=True)


def one_line(error: BaseException, url: str | None = None) -> str:
    """The first line of ``error``'s message, with ``url``'s password masked wherever it shows."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    if url:
        try:
            password = sqlalchemy.engine.make_url(url).password
        except Exception:
            password = None
        if password:
            line = line.replace(str(password), "***")
    return line


def storage_failure(error: BaseException) -> BaseException | None:
    """The storage error behind ``error`` (itself, or the context of Optuna's assertion)."""
    if isinstance(error, StorageFailed):
        return error.error
    if isinstance(error, AssertionError) and isinstance(error.__context__, STORAGE_ERRORS):
        return error.__context__
    return error if isinstance(error, STORAGE_ERRORS) else None


@contextmanager
def storage_errors(url: str | None = None) -> Iterator[None]:
    """Turns a failing storage (full disk, lost server, damaged file) into one line."""
    try:
        yield
    except NasrunError:
        raise
    except (StorageFailed, AssertionError, *STORAGE_ERRORS) as error:
        cause = storage_failure(error)
        if cause is None:
            raise
        raise NasrunError(f"the study's storage failed: {_reason(cause, url)}") from None


def _reason(error: BaseException, url: str | None) -> str:
    # Optuna wraps a failed commit in a generic message; the database's own reason (e.g.
    # "database or disk is full") is the exception it was raised from.
    while isinstance(error, optuna.exceptions.StorageInternalError) and error.__cause__:
        error = error.__cause__
    return one_line(error, url)
