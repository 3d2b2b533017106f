"""Every single-run ``nasrun`` / ``nasrun-train`` command the README shows builds as typed.

Each command is composed exactly as written (plus where its files go, and small CIFAR files in
the official format where it needs them) and its experiment is wired, which instantiates every
part and fails on any key, choice or combination the code no longer accepts. Running them is
the job of the tests of each feature; sweeps (``-m``) are covered by the CLI tests.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from nasrun.cli.train_args import train_arguments
from nasrun.config import compose
from nasrun.experiment import Experiment
from tests.data.test_data import write_fake_cifar

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    commands = []
    lines = [ln for block in blocks for ln in block.replace("\\\n", " ").splitlines()]
    for line in lines:
        words = shlex.split(line.split(" && ")[0], comments=True)
        if words[:1] in (["nasrun"], ["nasrun-train"]) and not any(
            w.startswith("-") or "..." in w for w in words
        ):
            commands.append(words)
    return commands


COMMANDS = readme_commands()


def test_the_readme_shows_commands():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_readme_command_builds_as_typed(tmp_path, command):
    tool, *args = command
    if tool == "nasrun-train":
        args = train_arguments(args)
    for name in ("cifar10", "cifar100"):
        write_fake_cifar(tmp_path / name, name)
    where = [f"output_root={tmp_path}", f"storage=sqlite:///{tmp_path}/nasrun.db"]
    where += [f"data_dir={tmp_path}", "device=cpu"]
    if "Cifar" in compose(*args, *where).dataset._target_:  # the fake files hold 100 images
        where.append("dataset.valid_size=10")
    cfg = compose(*args, *where)
    experiment = Experiment.from_config(cfg, tmp_path / "run")
    assert experiment.budget.reached(experiment.study) is False
