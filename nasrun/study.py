"""Opening the Optuna storage and study that hold an experiment's record."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages import BaseStorage

from nasrun.errors import NasrunError
from nasrun.journal import journal_storage
from nasrun.rdb_storage import RDBStorage, write_ahead
from nasrun.storage_errors import masked, one_line

JOURNAL_SCHEME = "journal://"
#: A storage given as a plain file path with one of these endings is a JournalStorage file, as
#: optuna-dashboard and the ``optuna`` CLI read it (``optuna-dashboard /path/study.log``).
JOURNAL_SUFFIXES = (".log", ".jsonl")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
MEMORY = "memory"
#: Study names longer than this (in UTF-8 bytes) are hashed: PostgreSQL's study_name column holds
#: 512 characters, and a one-shot search names its checkpoint file after the study (255 bytes).
MAX_NAME_BYTES = 200
#: The study user attribute that holds what the study's trials measure (checked on every load).
DEFINITION_ATTR = "nasrun_definition"


@dataclass
class Heartbeat:
    """Optuna's trial heartbeats (RDB storages: SQLite, PostgreSQL, MySQL).

    Every ``interval`` seconds a running trial says it is alive; a RUNNING trial silent for
    ``grace_period`` seconds belongs to a dead worker, and the next worker marks it FAIL and
    re-queues its parameters (at most ``max_retry`` times), so a killed node costs one trial's
    time, not the trial. Optuna 5's JournalStorage has no heartbeats.
    """

    interval: int = 10
    grace_period: int = 30
    max_retry: int = 1

    def check(self) -> Heartbeat:
        if self.interval < 1 or self.grace_period <= self.interval or self.max_retry < 0:
            raise NasrunError(
                "heartbeat: interval >= 1 s and grace_period > interval, max_retry >= 0; got "
                f"{asdict(self)}"
            )
        return self


def open_storage(url: str, heartbeat: Heartbeat | None = None) -> BaseStorage:
    """An Optuna storage from a URL.

    ``sqlite:///rel.db`` / ``sqlite:////abs.db`` and any SQLAlchemy URL (``postgresql://...``)
    give an RDB storage, with ``heartbeat`` when given. ``journal:///abs/path.log`` (three
    slashes and an absolute path, as in ``file:///``) or ``journal://rel/path.log`` (relative
    to the working directory) gives a JournalStorage file, which suits many workers on a shared
    file system without a database server. ``memory`` keeps the study in this process only: no
    resume and no second worker, but no database round trip per trial either, which is what
    thousands of short runs of table look-ups need (the run directory still gets its tables).
    """
    url = storage_url(url)
    if url == MEMORY:
        return optuna.storages.InMemoryStorage()
    try:
        if url.startswith(JOURNAL_SCHEME):
            return journal_storage(journal_path(url))
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return _rdb_storage(url, heartbeat)
    except NasrunError:
        raise
    except Exception as error:  # SQLAlchemy and driver errors come in many types
        raise NasrunError(f"cannot open storage {masked(url)!r}: {one_line(error, url)}") from None


def storage_url(url: str) -> str:
    """``url`` as :func:`open_storage` opens it: a plain journal file path (``/path/study.log``,
    ``runs/study.jsonl``, the form optuna-dashboard and the ``optuna`` CLI take) becomes
    ``journal://`` that path; any other plain path is refused with the form that would work."""
    if url == MEMORY or "://" in url:
        return url
    if url.endswith(JOURNAL_SUFFIXES):
        return JOURNAL_SCHEME + url
    if url.endswith(SQLITE_SUFFIXES):
        raise NasrunError(
            f"storage={url}: a SQLite file is given as a URL: storage=sqlite:///{url}"
        )
    raise NasrunError(
        f"storage={url} is not a storage URL; give sqlite:///path.db, a journal file "
        "(/path/study.log or .jsonl), postgresql://..., or memory"
    )


def readable_storage(url: str) -> str:
    """The storage as optuna-dashboard and the ``optuna`` CLI take it: a journal file by its
    path, any other storage by its URL (with a password masked)."""
    url = masked(url)
    return str(journal_path(url)) if url.startswith(JOURNAL_SCHEME) else url


def journal_path(url: str) -> Path:
    """``journal:///abs/x.log`` -> ``/abs/x.log``; ``journal://rel/x.log`` -> ``rel/x.log``.

    The file-URI convention (RFC 8089's ``file:///abs``): what follows ``journal://`` is the
    path. SQLAlchemy's four-slash absolute form (``journal:////abs``) means the same file.
    """
    path = url.removeprefix(JOURNAL_SCHEME)
    if not path.strip("/"):
        raise NasrunError(f"storage {url!r} names no file; e.g. journal:///abs/path/study.log")
    return Path("/" + path.lstrip("/")) if path.startswith("/") else Path(path)


def _rdb_storage(url: str, heartbeat: Heartbeat | None, attempts: int = 5) -> BaseStorage:
    # A generous SQLite lock timeout lets several local workers share one file.
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    beats = {}
    if heartbeat is not None:
        beats = {
            "heartbeat_interval": heartbeat.interval,
            "grace_period": heartbeat.grace_period,
            "heartbeat_stale_trial_callback": _quietly(
                optuna.storages.RetryHeartbeatStaleTrialCallback, heartbeat.max_retry
            ),
        }
    for attempt in range(attempts):
        try:
            storage = _quietly(RDBStorage, url, engine_kwargs=engine_kwargs, **beats)
            if url.startswith("sqlite"):
                write_ahead(storage.engine)
            return storage
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


def _quietly(make: Any, *args: Any, **kwargs: Any) -> Any:
    # Heartbeats have been "experimental" since Optuna 2.9: a warning that tells a user nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return make(*args, **kwargs)


def study_name(name: str) -> str:
    """``name`` itself, or when it is too long for a database column or a file name, a readable
    prefix and a digest of the whole name (the same name always gives the same study)."""
    encoded = name.encode()
    if len(encoded) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha1(encoded).hexdigest()[:16]
    prefix = encoded[: MAX_NAME_BYTES - len(digest) - 1].decode(errors="ignore")
    return f"{prefix}-{digest}"


def open_study(
    storage: BaseStorage, name: str, direction: str, definition: dict[str, Any] | None = None
) -> optuna.Study:
    """Creates the study, or loads it when it exists (a resumed run or another worker).

    ``definition`` (what the trials measure: space, estimator, dataset, objective) is stored on
    a new study and compared on load, so that a study is never silently continued with another
    space or estimator and its trials reported as one search.
    """
    name = study_name(name)
    study = optuna.create_study(
        storage=storage, study_name=name, direction=direction, load_if_exists=True
    )
    if study.direction.name.lower() != direction:
        raise NasrunError(
            f"study {name!r} exists with direction {study.direction.name.lower()}, "
            f"but this run's objective wants {direction}; pick another study name"
        )
    if definition is not None:
        _check_definition(study, json.loads(json.dumps(definition, default=str)))
    return study


def unused_name(storage: BaseStorage, name: str) -> str:
    """``name``, or when a study has it, ``name-2``, ``name-3``, ...: a run without ``study=``
    gets a study of its own under a name a person can read."""
    name = study_name(name)
    taken = set(optuna.get_all_study_names(storage))
    candidates = itertools.chain([name], (f"{name}-{n}" for n in itertools.count(2)))
    return next(c for c in candidates if c not in taken)


def label_study(study: optuna.Study, metric: str, attrs: dict[str, Any]) -> None:
    """What optuna-dashboard and ``optuna`` show about a study: the objective's name (not
    "Objective 0") and ``attrs`` (space, search, budget, versions, ...) as study attributes."""
    if study.metric_names is None and len(study.directions) == 1:  # multi: its own names
        _quietly(study.set_metric_names, [metric])
    stored = study.user_attrs
    for key, value in json.loads(json.dumps(attrs, default=str)).items():
        if stored.get(key) != value:  # a resumed study: only what changed is written
            study.set_user_attr(key, value)


def _check_definition(study: optuna.Study, definition: dict[str, Any]) -> None:
    stored = study.user_attrs.get(DEFINITION_ATTR)
    if stored is None:  # a new study (or one made before definitions were stored)
        study.set_user_attr(DEFINITION_ATTR, definition)
        return
    differ = [
        key
        for key in sorted(definition.keys() | stored.keys())
        if stored.get(key) != definition.get(key)
    ]
    if differ:
        shown = ", ".join(
            f"{k}={_short(stored.get(k))} (this run: {_short(definition.get(k))})" for k in differ
        )
        raise NasrunError(
            f"study {study.study_name!r} holds trials of another experiment: {shown}; "
            "pick another study name"
        )


def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def definition(space: Any, estimator: str, dataset: str, objective: Any) -> dict[str, Any]:
    """What a study's trials measure: the space (with its decisions' choices), the estimator,
    the data and the objective, by the names their objects give (not the config's file names,
    so that a script composing the same experiment finds the same study)."""
    return {
        "space": space.name,
        "decisions": {d.name: [str(c) for c in d.choices] for d in space.decisions},
        "estimator": estimator,
        "dataset": dataset,
        "objective": f"{objective.name} ({objective.direction})",
    }
