"""Security basics: nothing a user or a file supplies is evaluated or unpickled into code,
checkpoints load as weights only, and the tests' database server listens on loopback only."""

from __future__ import annotations

import ast
import io
import pickle
import socket
from pathlib import Path

import pytest
import sqlalchemy
import torch

import nasrun
from nasrun.config import compose
from nasrun.data.cifar import _BatchUnpickler
from nasrun.experiment import config_digest
from tests.cli.test_one_shot import DARTS
from tests.conftest import run_cli
from tests.postgres import postgres_url  # noqa: F401 (a fixture)

PACKAGE = Path(nasrun.__file__).parent


class _Payload:
    """Unpickling this calls ``open(marker, "w")``: what a hostile file could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _unsafe_calls(tree: ast.AST) -> list[str]:
    """eval/exec, pickle/marshal/yaml loads and torch.load without weights_only=True."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("eval", "exec", "__import__"):
            found.append(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = f"{func.value.id}.{func.attr}"
            if name in ("pickle.load", "pickle.loads", "marshal.loads", "yaml.load"):
                found.append(name)
            weights_only = {k.arg: k.value for k in node.keywords}.get("weights_only")
            if name == "torch.load" and not (
                isinstance(weights_only, ast.Constant) and weights_only.value is True
            ):
                found.append("torch.load without weights_only=True")
    return found


def test_the_package_evaluates_and_unpickles_nothing_it_is_given():
    unsafe = {
        str(path.relative_to(PACKAGE)): calls
        for path in PACKAGE.rglob("*.py")
        if (calls := _unsafe_calls(ast.parse(path.read_text())))
    }
    assert unsafe == {}


def test_the_cifar_reader_unpickles_arrays_only(tmp_path):
    marker = tmp_path / "code_ran"
    with pytest.raises(pickle.UnpicklingError, match="refusing to load io.open"):
        _BatchUnpickler(io.BytesIO(pickle.dumps({"data": _Payload(marker)}))).load()
    assert not marker.exists()


def test_a_checkpoint_that_would_run_code_is_refused_in_one_line(tmp_path):
    args = [*DARTS, "verbose=false"]
    name = f"chain-darts-digits-{config_digest(compose(*args))}.pt"  # the run's own checkpoint
    checkpoint = tmp_path / "outputs" / "checkpoints" / name
    checkpoint.parent.mkdir(parents=True)
    marker = tmp_path / "code_ran"
    torch.save({"epoch": 1, "supernet": _Payload(marker)}, checkpoint)
    proc = run_cli(tmp_path, *args, check=False)
    assert proc.returncode == 2 and not marker.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"nasrun: error: cannot resume from outputs/checkpoints/{name} (UnpicklingError: "
    )
    assert lines[0].endswith("delete it to start this search over")


def test_the_test_database_server_listens_on_loopback_only(postgres_url):  # noqa: F811
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.connect() as connection:
        listening = connection.execute(sqlalchemy.text("show listen_addresses")).scalar()
    engine.dispose()
    assert listening == "127.0.0.1"
    port = sqlalchemy.engine.make_url(postgres_url).port
    for address in _other_addresses():
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(5)
            s.connect((address, port))


def _other_addresses() -> list[str]:
    """This machine's outward IPv4 address, if it has one: the source address of a route to
    an outside address (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("198.51.100.1", 9))  # TEST-NET-2: routed, never reached
        except OSError:  # no route: loopback is all there is
            return []
        address = s.getsockname()[0]
    return [] if address.startswith("127.") else [address]
