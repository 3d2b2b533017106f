"""One-line errors for the command-line tools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

from rich.console import Console

_stderr = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    _stderr.print(f"[bold red]nasrun: error:[/] {message}", soft_wrap=True)
    sys.exit(code)


def group_choices(config_dir: Path) -> dict[str, list[str]]:
    """Each config group and its options, read from the config folder."""
    return {
        group.name: sorted(p.stem for p in group.glob("*.yaml"))
        for group in sorted(config_dir.iterdir())
        if group.is_dir() and not group.name.startswith(("_", "."))
    }


def check_composes(args: list[str]) -> None:
    """Composes the config once before Hydra runs, so a bad override fails in one line.

    Only plain single runs are checked here; with flags (a sweep's ``-m``, ``--cfg``, ...)
    Hydra checks and reports by itself.
    """
    if any(a.startswith("-") for a in args):
        return
    from nasrun.config import compose

    try:
        compose(*args)
    except Exception as error:  # Hydra's composition and override-parsing errors
        text = f"{error}\n{error.__cause__ or ''}"
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        lines = [
            ln for ln in lines if not ln.startswith(("full_key", "object_type", "reference_type"))
        ]
        fail("; ".join(lines) or type(error).__name__)


def check_group_choices(args: list[str], config_dir: Path) -> None:
    """Refuses ``group=option`` overrides naming an option that does not exist, in one line.

    Hydra itself would say so in a multi-line message; this checks before Hydra starts. Sweeps
    (``search=random,ea``) are checked option by option; sweep functions are left to Hydra.
    """
    groups = group_choices(config_dir)
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        key, value = arg.lstrip("+").split("=", 1)
        if key not in groups or "(" in value:
            continue
        for option in value.split(","):
            if option and option not in groups[key] and option != "null":
                fail(f"unknown {key} {option!r}; choose one of: {', '.join(groups[key])}")
