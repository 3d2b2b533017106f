"""The arguments that turn a ``nasrun`` run into "train this one architecture" (``nasrun-train``,
and a search's final training), and ``nasrun-train``'s help."""

from __future__ import annotations

from nasrun.cli.errors import fail
from nasrun.errors import NasrunError

#: Settings that make a run "train this one architecture", unless the command line sets them.
TRAIN_DEFAULTS = {
    "budget.trials": "1",
    "estimator": "low_fidelity",
    "estimator.epochs": "${trainer.epochs}",
    "hydra.job.name": "nasrun-train",
}
#: With nasrun-train's own estimator, the trained network is kept (weights, TorchScript, ONNX).
SAVE_TRAINED = "{_target_:nasrun.export.SaveTrained}"

USAGE = """\
usage: nasrun-train arch=<zoo name | architecture string | best_arch.json> [space=...] [key=value ...]

Trains one architecture from scratch (the evaluation phase of a NAS paper) and writes the same
results as `nasrun` (trials.csv, summary.json, summary.md) for one trial. Every `nasrun` key
works here too (trainer.epochs=600, dataset=cifar10, experiment=darts_cifar10_eval, ...); see
`nasrun --help`. A zoo name selects its space; a string needs space=<chain|dag|nasnet_cell|nb201>;
a run's best_arch.json brings its space and the space's options. The trained network is saved in
<run dir>/model/ as weights.pt, model.ts (TorchScript) and model.onnx.

  nasrun-train arch=darts_v2 trainer.epochs=5
  nasrun-train experiment=darts_cifar10_eval arch=pc_darts
  nasrun-train space=dag arch="Genotype(normal=[('sep_conv_3x3', 0), ...], ...)"
  nasrun-train arch=outputs/2026-11-30/10-00-00/best_arch.json trainer.epochs=50

Published architectures (arch=NAME):
"""


def train_help() -> str:
    """``nasrun-train -h``: its usage and the zoo's names."""
    from nasrun.zoo import ZOO  # imports torch: only when asked

    width = max(map(len, ZOO))
    rows = [f"  {e.name:<{width}}  space={e.space:<11}  {e.paper}" for e in ZOO.values()]
    return USAGE + "\n".join(sorted(rows)) + "\n"


def check_space_given(args: list[str]) -> None:
    """``nasrun-train``: an architecture string means nothing without its space (a search's
    final training passes the search's own)."""
    arch = next((a.split("=", 1)[1] for a in args if a.startswith("arch=")), "")
    if arch.endswith(".json"):  # a run's best_arch.json names its space
        return
    if arch and not arch.strip().isidentifier() and not _keys(args) & {"space", "experiment"}:
        fail(
            f"nasrun-train: arch={arch} is not a zoo name; with an architecture string, give its "
            "space=<chain|dag|nasnet_cell|nb201>"
        )


def _keys(args: list[str]) -> set[str]:
    return {a.lstrip("+~").split("=", 1)[0] for a in args if "=" in a and not a.startswith("-")}


def train_arguments(args: list[str]) -> list[str]:
    """The ``nasrun`` arguments that train the architecture named in ``args``."""
    given = _keys(args)
    if "arch" not in given and "experiment" not in given:
        fail(
            "nasrun-train: give arch=<zoo name | architecture string> (nasrun-train -h lists the zoo)"
        )
    arch = next((a.split("=", 1)[1] for a in args if a.startswith("arch=")), "")
    if arch.endswith(".json"):
        args, given = _from_best_arch(args, arch, given)
        arch = next(a.split("=", 1)[1] for a in args if a.startswith("arch="))
    from nasrun.zoo import zoo_entry  # after the cheap checks: imports torch

    try:
        entry = zoo_entry(arch) if arch else None
    except NasrunError as error:
        fail(str(error))
    extra = {key: value for key, value in TRAIN_DEFAULTS.items() if key not in given}
    if "estimator" not in given and "estimator.initializer" not in given:
        extra["estimator.initializer"] = SAVE_TRAINED
    if entry is not None and "space" not in given:
        extra["space"] = entry.space
        extra.update({f"space.{k}": str(v) for k, v in entry.space_options.items()})
    # Genotype and NB201 strings hold brackets, quotes, "|" and "~": quote them for Hydra's
    # override grammar, so that they can be given as printed.
    args = [_quoted(a) if a.startswith("arch=") else a for a in args]
    return [f"{key}={value}" for key, value in extra.items()] + args


def _from_best_arch(args: list[str], path: str, given: set[str]) -> tuple[list[str], set[str]]:
    """``arch=<run>/best_arch.json`` -> the space, its options and the architecture string."""
    from nasrun.export import read_best_arch

    try:
        record = read_best_arch(path)
    except NasrunError as error:
        fail(str(error))
    extra = [] if "space" in given else [f"space={record['space']}"]
    options = record.get("space_options") or {}
    extra += [
        f"space.{k}={override_value(v)}" for k, v in options.items() if f"space.{k}" not in given
    ]
    args = [a for a in args if not a.startswith("arch=")] + [f"arch={record['arch']}"]
    return extra + args, given | {"space"}


def override_value(value: object) -> str:
    """``value`` in Hydra's override grammar (``[8,16]``, ``{a:1}``, ``"text"``, ``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(map(override_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{override_value(v)}" for k, v in value.items()) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quoted(arg: str) -> str:
    value = arg.split("=", 1)[1]
    if value[:1] in "'\"" or value.isidentifier():
        return arg
    return 'arch="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
