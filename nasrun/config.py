"""Turning config nodes into objects, with user mistakes reported as one line."""

from __future__ import annotations

from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate as hydra_instantiate
from omegaconf import DictConfig

from nasrun.errors import NasrunError


def instantiate(node: DictConfig | None, what: str, **runtime: Any) -> Any:
    """``hydra.utils.instantiate`` with run-time objects passed at the call site.

    ``what`` names the config group in error messages (e.g. ``"space"``).
    """
    if node is None or "_target_" not in node:
        raise NasrunError(f"{what}: the config needs a _target_")
    try:
        return hydra_instantiate(node, **runtime, _convert_="partial")
    except InstantiationException as error:
        cause = error.__cause__
        if isinstance(cause, NasrunError):
            raise cause from None
        message = str(cause or error).strip().splitlines()
        raise NasrunError(
            f"{what} ({node._target_}): {message[-1] if message else error}"
        ) from None
