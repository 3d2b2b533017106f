"""A throw-away PostgreSQL server on 127.0.0.1 for the tests that share a study across workers.

Import the fixture into a test module (``from tests.postgres import postgres_url``). Skipped
with its reason where the server binaries are absent. initdb refuses to run as root (CI runs
as root), so there the server runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: this user, or when that is root, a system account."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("running as root, and no postgres or nobody user to run the server as")


def _as(user: str | None, *cmd: str) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else list(cmd)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """``postgresql://nasrun@127.0.0.1:PORT/postgres`` of a server that lives for one module."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not on PATH")
    user = _server_user()
    # Not under pytest's tmp_path: that is private to root, and the server may run as another.
    root = Path(tempfile.mkdtemp(prefix="nasrun-pg-"))
    root.chmod(0o777)
    data, port = root / "data", _free_port()
    subprocess.run(
        _as(user, "initdb", "-D", str(data), "-A", "trust", "-U", "nasrun"),
        check=True,
        capture_output=True,
    )
    # Loopback only, and a socket folder of its own (no clash with a system server).
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as(user, "pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://nasrun@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as(user, "pg_ctl", "-D", str(data), "-m", "fast", "stop"), capture_output=True
        )
        shutil.rmtree(root, ignore_errors=True)
