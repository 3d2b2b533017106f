"""A found architecture that stands alone, without the search that found it.

Every run writes ``best_arch.json`` beside its tables: the space (with its options), the
architecture's string and decisions, its counts and scores, and the command that retrains it
(``nasrun-train arch=<that file>``). A trained network is saved by :func:`export_network` as
its weights (``weights.pt``), TorchScript (``model.ts``) and ONNX (``model.onnx``), each of
which reloads without nasrun's search code; ``nasrun-train`` does so through
:class:`SaveTrained`, the low-fidelity estimator's initializer seam.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import torch

from nasrun.errors import NasrunError
from nasrun.estimators.initializer import Initializer, Start
from nasrun.report.results import write_atomic

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial
    from torch import nn

    from nasrun.spaces import Arch, SearchSpace

BEST_ARCH = "best_arch.json"
WEIGHTS, TORCHSCRIPT, ONNX = "weights.pt", "model.ts", "model.onnx"


def write_best_arch(
    run_dir: Path, space: SearchSpace, study: optuna.Study, summary: dict[str, Any]
) -> Path | None:
    """``<run_dir>/best_arch.json`` for the run's best trial; None when it has none (nothing
    complete, or a multi-objective run, whose answer is a Pareto set)."""
    number = summary.get("best_trial")
    if number is None:
        return None
    trial = study.get_trials(deepcopy=False)[number]  # a study's trials are in number order
    if "arch" not in trial.user_attrs:
        return None
    path = Path(run_dir) / BEST_ARCH
    record = arch_record(path, space, study, trial, summary) | {"value": trial.value}
    write_atomic(path, json.dumps(record, indent=2, default=str) + "\n")
    return path


def arch_record(
    path: Path, space: SearchSpace, study: optuna.Study, trial: FrozenTrial, summary: dict
) -> dict[str, Any]:
    """What a file at ``path`` keeps of ``trial``'s architecture for ``nasrun-train`` (and a
    reader): the space and its options, the architecture and its decisions, its counts and test
    score, where it was found, and the command that retrains it. ``best_arch.json`` adds the
    trial's value, a Pareto member's file its values."""
    attrs = trial.user_attrs
    return {
        "space": summary.get("space"),
        "space_options": summary.get("space_options", {}),
        "arch": attrs["arch"],
        "genotype": space.to_params(space.from_string(attrs["arch"])),
        "counts": {
            "params": attrs.get("n_params", attrs.get("params")),
            "flops": attrs.get("flops"),
        },
        "objective": summary.get("objective"),
        "test_value": attrs.get("test_value"),
        "dataset": summary.get("dataset"),
        "study": study.study_name,
        "trial": trial.number,
        "retrain": f"nasrun-train arch={path}",
    }


def read_best_arch(path: str | Path) -> dict[str, Any]:
    """A ``best_arch.json``, checked for what ``nasrun-train`` needs from it."""
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NasrunError(f"arch={path}: cannot read it as a best_arch.json ({error})") from None
    if not isinstance(record, dict) or not all(
        isinstance(record.get(k), str) for k in ("space", "arch")
    ):
        raise NasrunError(f"arch={path}: not a best_arch.json (it needs space and arch)")
    return record


def export_network(
    model: nn.Module, example: torch.Tensor, out_dir: str | Path, meta: dict[str, Any]
) -> dict[str, Path]:
    """Saves ``model`` (in eval mode, on ``example``'s device) as its weights with ``meta``
    (space, arch, ...), as TorchScript and as ONNX; returns the paths by kind."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"weights": out / WEIGHTS, "torchscript": out / TORCHSCRIPT, "onnx": out / ONNX}
    training = model.training
    model.eval()
    try:
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"state_dict": state, **meta}, paths["weights"])
        with warnings.catch_warnings(), torch.no_grad():
            # jit.trace is deprecated in favour of torch.export, but TorchScript is what C++
            # and mobile runtimes load; shape checks in the networks trace as constants.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.jit.trace(model, example).save(str(paths["torchscript"]))
        _export_onnx(model, example, paths["onnx"])
    finally:
        model.train(training)
    return paths


def _export_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    try:
        import onnxscript  # noqa: F401  (torch.onnx's exporter needs it)
    except ImportError:
        raise NasrunError(
            "saving ONNX needs onnx and onnxscript: pip install 'nasrun[export]'"
        ) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            model, (example,), dynamo=True, verbose=False, input_names=["images"]
        )
    program.save(str(path))


class SaveTrained(Initializer):
    """Keeps the network of every trial that trains to the end with :func:`export_network`,
    in ``out_dir`` (default: ``model/`` in the run folder); ``nasrun-train`` sets it, so the
    retrained architecture is a file that loads without nasrun."""

    def __init__(self, out_dir: str | None = None) -> None:
        self.out_dir = out_dir
        self._shape: tuple[int, ...] | None = None
        self._hook: Any = None
        self._space: SearchSpace | None = None

    def start(self, space: SearchSpace, arch: Arch, model: nn.Module, trial: optuna.Trial) -> Start:
        # The input's shape is what the data gives the network: seen on its first forward.
        self._space, self._shape = space, None
        self._hook = model.register_forward_pre_hook(self._keep_shape)
        return Start()

    def _keep_shape(self, module: nn.Module, args: tuple) -> None:
        if self._shape is None and args and isinstance(args[0], torch.Tensor):
            self._shape = tuple(args[0].shape[1:])

    def trained(self, arch: Arch, trial: optuna.Trial, model: nn.Module) -> None:
        self._hook.remove()
        if self._shape is None:
            return
        device = next(model.parameters()).device
        example = torch.zeros((2, *self._shape), device=device)
        meta = {
            "space": self._space.name,
            "arch": self._space.to_string(arch),
            "trial": trial.number,
        }
        export_network(model, example, self._folder(), meta)

    def _folder(self) -> Path:
        if self.out_dir is not None:
            return Path(self.out_dir)
        from hydra.core.hydra_config import HydraConfig

        run_dir = HydraConfig.get().runtime.output_dir if HydraConfig.initialized() else "."
        return Path(run_dir) / "model"
