"""A JournalStorage file, checked before Optuna replays and appends to it.

Optuna skips a last line without its newline (it may be another process's write in flight) and
then appends after it, so a torn write (a full disk, a lost NFS server) corrupts every line that
follows; a damaged line elsewhere ends in a ``JSONDecodeError`` traceback. The file is read
under Optuna's own lock, so a write in flight is never mistaken for damage.
"""

from __future__ import annotations

import json
from pathlib import Path

from optuna.storages import BaseStorage
from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock, JournalStorage

from nasrun.errors import NasrunError


def journal_storage(path: Path) -> BaseStorage:
    """The journal at ``path`` (created with its folder when missing); damage is one line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = JournalFileSymlinkLock(str(path))  # the lock JournalFileBackend takes by default
    if path.is_file():
        lock.acquire()
        try:
            check_journal(path)
        finally:
            lock.release()
    try:
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    except ValueError as error:  # json.JSONDecodeError included: damaged since the check
        raise NasrunError(f"journal file {path} is damaged: {error}") from None


def check_journal(path: Path) -> None:
    """Raises :class:`NasrunError` naming the first torn or unreadable line of ``path``."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            problem = None
            if not line.endswith(b"\n"):
                problem = "the line is cut short (a torn write)"
            else:
                try:
                    json.loads(line)
                except ValueError as error:
                    problem = str(error)
            if problem:
                raise NasrunError(
                    f"journal file {path} is damaged at line {number}: {problem}; nothing was "
                    "added to it (move it aside, or delete that line and those after it)"
                )
