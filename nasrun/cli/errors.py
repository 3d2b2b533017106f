"""One-line errors for the command-line tools, and the checks that run before Hydra starts."""

from __future__ import annotations

import dataclasses
import difflib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from omegaconf import DictConfig

_stderr = Console(stderr=True, highlight=False)
_NOT_OVERRIDABLE = re.compile(r"Could not override '([^']+)'")


def fail(message: str, code: int = 2) -> NoReturn:
    # As Text, not markup: messages quote user input, and "[0]" or "[/]" must print as typed.
    _stderr.print(Text.assemble(("nasrun: error:", "bold red"), f" {message}"), soft_wrap=True)
    sys.exit(code)


def say(message: str) -> None:
    """One line of the CLI's own on stderr (not the error line): where results went, ..."""
    _stderr.print(message, soft_wrap=True, markup=False)


def group_choices(config_dir: Path) -> dict[str, list[str]]:
    """Each config group and its options, read from the config folder."""
    return {
        group.name: sorted(p.stem for p in group.glob("*.yaml"))
        for group in sorted(config_dir.iterdir())
        if group.is_dir() and not group.name.startswith(("_", "."))
    }


def check_composes(args: list[str]) -> DictConfig | None:
    """Composes the config once before Hydra runs, so a bad override fails in one line; returns
    the composed config.

    Only plain single runs are checked here; with flags (a sweep's ``-m``, ``--cfg``, ...)
    Hydra checks and reports by itself.
    """
    if any(a.startswith("-") for a in args):
        return None
    from omegaconf import OmegaConf

    from nasrun.config import compose

    try:
        cfg = compose(*args)
    except Exception as error:  # Hydra's composition and override-parsing errors
        unknown = _NOT_OVERRIDABLE.search(str(error))
        if unknown:
            fail(_unknown_key(unknown[1], args))
        text = f"{error}\n{error.__cause__ or ''}"
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        lines = [
            ln for ln in lines if not ln.startswith(("full_key", "object_type", "reference_type"))
        ]
        fail("; ".join(lines) or type(error).__name__)
    for arg in args:
        key = arg.split("=", 1)[0]
        if key.startswith("+") and not key.startswith("++") and "/" not in key:
            _check_typed_key(cfg, key[1:], args)
    try:  # every ${...}, e.g. an environment variable that is not set
        OmegaConf.to_container(cfg, resolve=True)
    except Exception as error:  # OmegaConf's resolution errors
        fail(f"{getattr(error, 'full_key', '')}: {str(error).splitlines()[0]}")
    return cfg


def _check_typed_key(cfg: DictConfig, key: str, args: list[str]) -> None:
    """``+budget.trail=3``: Hydra adds any key with ``+``, but the typed nodes (the top level,
    ``budget``) take only their fields; an added one would reach their constructor as an
    unexpected argument. The untyped group nodes pass new keys on to their ``_target_``, which
    checks them itself (``+search.final_train=true`` is such a key)."""
    from omegaconf import DictConfig, OmegaConf

    node = cfg
    for depth, part in enumerate(key.split(".")):
        typed = OmegaConf.get_type(node)
        if dataclasses.is_dataclass(typed) and part not in {
            f.name for f in dataclasses.fields(typed)
        }:
            fail(_unknown_key(".".join(key.split(".")[: depth + 1]), args))
        node = node.get(part)
        if not isinstance(node, DictConfig):
            return


def _unknown_key(key: str, args: list[str]) -> str:
    """The message for an unknown ``key``: the closest known key of the config the other
    overrides compose, else the keys beside it."""
    from omegaconf import OmegaConf

    from nasrun.config import compose

    others = [a for a in args if not f"{a.lstrip('+~').split('=', 1)[0]}.".startswith(f"{key}.")]
    try:
        cfg = compose(*others)
    except Exception:  # another bad override: suggest from the default config
        cfg = compose()
    known = list(_dotted(OmegaConf.to_container(cfg, resolve=False)))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    if close:
        return f"unknown key {key}; did you mean {close[0]}?"
    parent = key.rpartition(".")[0]
    siblings = [k.rpartition(".")[2] for k in known if k.rpartition(".")[0] == parent]
    return f"unknown key {key}; {parent or 'the top level'} has: {', '.join(siblings)}"


def _dotted(node: object, prefix: str = ""):
    """Every key of a nested config, dotted (``budget.trials``), parents before children."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + str(key)
            yield from _dotted(value, f"{prefix}{key}.")


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
        for option in value.strip("[]").split(","):  # a list: callbacks=[mlflow,tensorboard]
            if option and option not in groups[key] and option != "null":
                fail(f"unknown {key} {option!r}; choose one of: {', '.join(groups[key])}")


def check_writable(folder: str | Path, key: str) -> None:
    """Creates ``folder`` (as Hydra would next) and checks that files can be written there, so
    that a read-only or mistyped output folder fails in one line before anything starts."""
    import tempfile

    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        fail(f"{key}={folder}: cannot write there ({error.strerror or error})")
