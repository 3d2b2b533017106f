"""The arguments that turn a ``nasrun`` run into "train this one architecture" (``nasrun-train``,
and a search's final training)."""

from __future__ import annotations

from nasrun.cli.errors import fail

#: Settings that make a run "train this one architecture", unless the command line sets them.
TRAIN_DEFAULTS = {
    "budget.trials": "1",
    "estimator": "low_fidelity",
    "estimator.epochs": "${trainer.epochs}",
    "hydra.job.name": "nasrun-train",
}


def _keys(args: list[str]) -> set[str]:
    return {a.lstrip("+~").split("=", 1)[0] for a in args if "=" in a and not a.startswith("-")}


def train_arguments(args: list[str]) -> list[str]:
    """The ``nasrun`` arguments that train the architecture named in ``args``."""
    given = _keys(args)
    if "arch" not in given and "experiment" not in given:
        fail(
            "nasrun-train: give arch=<zoo name | genotype string> (see README, Published architectures)"
        )
    arch = next((a.split("=", 1)[1] for a in args if a.startswith("arch=")), "")
    from nasrun.zoo import ZOO  # after the cheap checks: imports torch

    entry = ZOO.get(arch.strip().lower())
    extra = {key: value for key, value in TRAIN_DEFAULTS.items() if key not in given}
    if entry is not None and "space" not in given:
        extra["space"] = entry.space
        extra.update({f"space.{k}": str(v) for k, v in entry.space_options.items()})
    # Genotype and NB201 strings hold brackets, quotes, "|" and "~": quote them for Hydra's
    # override grammar, so that they can be given as printed.
    args = [_quoted(a) if a.startswith("arch=") else a for a in args]
    return [f"{key}={value}" for key, value in extra.items()] + args


def _quoted(arg: str) -> str:
    value = arg.split("=", 1)[1]
    if value[:1] in "'\"" or value.isidentifier():
        return arg
    return 'arch="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
