"""Where the configs live, composing them, and turning config nodes into objects.

The one place that knows the config folder and registers the typed schema: the CLI, the tests
and the scripts all compose through :func:`compose`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate as hydra_instantiate
from omegaconf import DictConfig

from nasrun.errors import NasrunError
from nasrun.schema import register_schema

# nasrun/configs is the checkout's top-level configs/ (a link there; a real folder in a wheel).
CONFIG_DIR = Path(__file__).resolve().parent / "configs"
CONFIG_NAME = "config"

register_schema()


def compose(*overrides: str) -> DictConfig:
    """The config the ``nasrun`` command would run with these overrides (Hydra's compose API).

    Inside a running Hydra app (e.g. a final training composed after a search) Hydra is
    already initialised, and its compose is used as it stands.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        return hydra_compose(CONFIG_NAME, overrides=list(overrides))
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return hydra_compose(CONFIG_NAME, overrides=list(overrides))


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
