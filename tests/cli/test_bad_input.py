"""Bad input through the real CLI: one line ``nasrun: error: ...``, a non-zero exit, no study,
no trial. Each case is what a new user types (or has on disk); ``{placeholders}`` name files the
test lays out first."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import run_cli

CUDA = torch.cuda.is_available()
MPS = torch.backends.mps.is_available()


def case(*args: str, expected: str, tool: str = "nasrun", marks=(), id: str):
    return pytest.param(tool, list(args), expected, marks=marks, id=id)


CASES = [
    # Config groups, keys and types.
    case("space=nope", expected="unknown space 'nope'; choose one of: chain", id="unknown-space"),
    case("-m", "search=random,nope", expected="unknown search 'nope'", id="unknown-in-sweep"),
    case("spcae=chain", expected="unknown key spcae; did you mean space?", id="group-typo"),
    case("budget.trail=3", expected="did you mean budget.trials?", id="key-typo"),
    case("+budget.trail=3", expected="did you mean budget.trials?", id="added-key-typo"),
    case("+foo=1", expected="unknown key foo; the top level has: dataset", id="added-unknown"),
    case("space.num_layer=3", expected="did you mean space.num_layers?", id="space-key-typo"),
    case("budget.trials=abc", expected="could not be converted to Integer", id="wrong-type"),
    case(
        "data_dir=${{oc.env:NASRUN_TEST_UNSET}}",
        expected="data_dir: KeyError raised while resolving interpolation",
        id="unset-environment-variable",
    ),
    case("trainer.batch_size=abc", expected="trainer.batch_size must be an integer", id="str-int"),
    # Budgets and values that would fail every trial alike.
    case("budget.trials=0", expected="budget.trials must be positive", id="zero-trials"),
    case("budget.seconds=-5", expected="budget.seconds must be positive", id="negative-seconds"),
    case("budget.trials=null", expected="give budget.trials, budget.seconds", id="no-budget"),
    case(
        "budget.max_consecutive_failures=0",
        expected="max_consecutive_failures",
        id="zero-failure-budget",
    ),
    case("trainer.batch_size=0", expected="trainer.batch_size must be an integer >= 1", id="bs0"),
    case("space.num_filters=[]", expected="space.num_filters must list", id="no-filters"),
    case("space.filter_sizes=[0]", expected="space.filter_sizes must list", id="zero-kernel"),
    # Data sets and benchmark tables.
    case(
        "dataset=cifar10",
        "data_dir=nowhere",
        expected="expected the python batches in nowhere/cifar10",
        id="cifar-missing",
    ),
    case(
        "dataset=cifar10",
        "data_dir={cifar}",
        expected="cifar-10-batches-py/data_batch_3 is not a CIFAR python batch",
        id="cifar-corrupt-file",
    ),
    case(
        "estimator=tabular",
        "space=nb201",
        "data_dir=nowhere",
        expected="NAS-Bench-201 tables not found",
        id="nb201-missing",
    ),
    case(
        "estimator=tabular",
        "space=nb201",
        "data_dir={nb201}",
        expected="nats_bench.csv is not a readable CSV",
        id="nb201-corrupt",
    ),
    # Architectures.
    case("arch=darts_v3", tool="nasrun-train", expected="did you mean darts_v2?", id="zoo-typo"),
    case(
        "arch=Genotype(normal=[(",
        tool="nasrun-train",
        expected="give its space=",
        id="string-without-space",
    ),
    case(
        "space=dag",
        "arch=Genotype(normal=[('sep_conv_3x3', 0)",
        tool="nasrun-train",
        expected="genotype: cannot read normal",
        id="bad-genotype",
    ),
    case(
        'arch="conv3x3-8/1|zzz"',
        "space.num_layers=2",
        expected="chain: cannot read layer 1 'zzz'",
        id="bad-chain-string",
    ),
    # Storages and output folders.
    case(
        "storage=postgresql://nobody@127.0.0.1:1/none",
        expected="cannot open storage",
        id="unreachable-db",
    ),
    case("storage=sqlite:///{file}/x.db", expected="cannot open storage", id="malformed-db"),
    case("storage=sqlite:///{read_only}/x.db", expected="cannot open storage", id="read-only-db"),
    case("output_root={read_only}/out", expected="cannot write there", id="read-only-output"),
    case("hydra.run.dir={file}/run", expected="hydra.run.dir=", id="run-dir-under-a-file"),
    # Devices.
    case("device=cuda:99", expected="device=cuda:99", id="no-such-gpu"),
    case(
        "device=cuda",
        expected="no CUDA device is visible",
        marks=pytest.mark.skipif(CUDA, reason="this machine has a GPU"),
        id="cuda-without-gpu",
    ),
    case(
        "device=mps",
        expected="device=mps asked for, but this PyTorch build or machine has no MPS",
        marks=pytest.mark.skipif(MPS, reason="this machine has MPS"),
        id="mps",
    ),
    # Space x search x estimator.
    case("estimator=tabular", "space=chain", expected="needs space=nb201", id="tabular-chain"),
    case(
        "search=darts",
        "estimator=low_fidelity",
        expected="search=darts trains a supernet: it needs estimator=one_shot",
        id="darts-low-fidelity",
    ),
    case(
        "search=darts",
        "hpo=default",
        expected="hpo: one-shot searches train one supernet; use hpo=none",
        id="darts-hpo",
    ),
    case(
        "search=grid",
        "space.num_layers=6",
        expected="more than search.sampler.max_size",
        id="grid-huge-space",
    ),
    # nasrun-report.
    case("{empty}", tool="nasrun-report", expected="no summary.json found", id="report-empty"),
    case("nowhere", tool="nasrun-report", expected="no such directory", id="report-missing"),
    case("{corrupt}", tool="nasrun-report", expected="is not valid JSON", id="report-corrupt"),
    case(
        "{foreign}",
        tool="nasrun-report",
        expected="no nasrun run summary found; not one: ",
        id="report-other-shape",
    ),
]


@pytest.mark.parametrize(("tool", "args", "expected"), CASES)
def test_bad_input_is_one_line_and_leaves_nothing(tmp_path, tool, args, expected):
    places = _lay_out(tmp_path)
    proc = run_cli(tmp_path, *[a.format(**places) for a in args], tool=tool, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("nasrun: error: ") and expected.format(**places) in lines[0]
    assert _studies(tmp_path) == [] and list(tmp_path.rglob("trials.csv")) == []


def _lay_out(tmp_path: Path) -> dict[str, str]:
    """The files the cases name: a CIFAR folder with one corrupt batch, NB201 tables with a
    corrupt CSV, a regular file where a folder should be, a read-only folder, report folders."""
    cifar = tmp_path / "cifar" / "cifar10" / "cifar-10-batches-py"
    cifar.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": np.zeros((4, 3072), np.uint8), "labels": [0, 1, 2, 3]}
        (cifar / name).write_bytes(pickle.dumps(batch))
    (cifar / "data_batch_3").write_bytes(b"garbage")
    nb201 = tmp_path / "nb201data" / "nb201"
    nb201.mkdir(parents=True)
    (nb201 / "nats_bench.csv").write_text('ArchitectureString,x\n1,"unterminated\n')
    (nb201 / "mini-bench-arch-cell-accs.csv").write_text("arch,cellstr\n")
    (tmp_path / "a_file").write_text("not a folder")
    for name, content in (("corrupt", '{"search": '), ("foreign", '{"loss": [1, 2]}')):
        (tmp_path / name / "run").mkdir(parents=True)
        (tmp_path / name / "run" / "summary.json").write_text(content)
    (tmp_path / "empty").mkdir()
    return {
        "cifar": str(tmp_path / "cifar"),
        "nb201": str(nb201.parent),
        "file": str(tmp_path / "a_file"),
        "read_only": str(_read_only_folder(tmp_path)),
        **{name: str(tmp_path / name) for name in ("corrupt", "foreign", "empty")},
    }


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody can write to: mode 555, or (for root, whom modes do not stop) sysfs."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        folder.chmod(0o755)
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no read-only folder for root on this system")
        return Path("/sys/nasrun-read-only")
    return folder


def _studies(tmp_path: Path) -> list[str]:
    """The studies in every SQLite file under ``tmp_path`` (the default outputs/nasrun.db)."""
    names = []
    for db in tmp_path.rglob("*.db"):
        with sqlite3.connect(db) as connection:
            tables = {row[0] for row in connection.execute("select name from sqlite_master")}
            if "studies" in tables:
                names += [row[0] for row in connection.execute("select study_name from studies")]
    return names


def test_another_tools_summary_among_runs_is_skipped_with_a_line(tmp_path):
    places = _lay_out(tmp_path)
    run = tmp_path / "foreign" / "nasrun_run"
    run.mkdir()
    setup = {"search": "random", "space": "chain", "estimator": "e", "dataset": "digits"}
    summary = {**setup, "objective": {"name": "valid_acc"}, "best_value": 0.5}
    (run / "summary.json").write_text(json.dumps(summary))
    proc = run_cli(tmp_path, places["foreign"], "--no-plots", tool="nasrun-report")
    assert f"nasrun-report: skipped {places['foreign']}/run/summary.json (no search" in proc.stderr
    assert "random/chain/e/digits" in proc.stdout
