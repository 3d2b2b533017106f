"""A found architecture stands alone: best_arch.json retrains through nasrun-train, and a
trained network reloads (weights, TorchScript, ONNX) with the outputs and accuracy it had."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from nasrun.cli.train_args import train_arguments
from nasrun.config import compose, instantiate
from nasrun.export import export_network
from nasrun.zoo import resolve_arch
from tests.conftest import TINY, make_experiment

#: One tiny network of each space family, and the zoo's DARTS-V2 (in the dag space).
NETWORKS = {
    "chain": (["space=chain", *TINY[:3]], None),
    "nasnet_cell": (["space=nasnet_cell", "space.channels=4", "space.num_blocks=2"], None),
    "nb201": (["space=nb201", "space.channels=4", "space.cells_per_stage=1"], None),
    "darts_v2": (["space=dag", "space.channels=4", "space.layers=3"], "darts_v2"),
    "mobilenet": (["space=mobilenet", "space.head_channels=32"], None),
    "hierarchical": (["space=hierarchical", "space.channels=4", "space.num_motifs=2"], None),
}
#: In the slow suite: nasnet_cell shares its family's code with dag (DARTS-V2, fast); the
#: newer families' networks are larger.
SLOW = {"nasnet_cell", "mobilenet", "hierarchical"}
SHAPE = (3, 16, 16)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in NETWORKS]
)
def test_exported_networks_give_the_outputs_of_the_pytorch_one(name, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    overrides, zoo_name = NETWORKS[name]
    space = instantiate(compose(*overrides).space, "space")
    arch = resolve_arch(zoo_name, space) if zoo_name else space.sample(random.Random(0))
    torch.manual_seed(0)
    model = space.build(arch, 10, SHAPE).eval()
    batch = torch.randn(4, *SHAPE, generator=torch.Generator().manual_seed(1))
    paths = export_network(model, batch[:2], tmp_path, {"arch": space.to_string(arch)})
    with torch.no_grad():
        expected = model(batch).numpy()

    scripted = torch.jit.load(str(paths["torchscript"]))
    np.testing.assert_allclose(scripted(batch).detach().numpy(), expected, atol=1e-5)
    session = onnxruntime.InferenceSession(str(paths["onnx"]))
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: batch[:2].numpy()})
    np.testing.assert_allclose(onnx_out, expected[:2], atol=1e-4)
    saved = torch.load(paths["weights"])
    fresh = space.build(space.from_string(saved["arch"]), 10, SHAPE).eval()
    fresh.load_state_dict(saved["state_dict"])
    with torch.no_grad():
        np.testing.assert_array_equal(fresh(batch).numpy(), expected)


def test_nasrun_train_retrains_a_runs_best_arch_and_keeps_the_network(tmp_path):
    make_experiment(tmp_path, "budget.trials=1", run="search").run()
    best = tmp_path / "search" / "best_arch.json"
    model_dir = tmp_path / "train" / "model"
    args = train_arguments([f"arch={best}", f"+estimator.initializer.out_dir={model_dir}"])
    assert "space=chain" in args and "space.num_filters=[8,12]" in args
    cfg = compose(*TINY, *args, "verbose=false", f"storage=sqlite:///{tmp_path}/train.db")
    from nasrun.experiment import Experiment

    experiment = Experiment.from_config(cfg, tmp_path / "train")
    summary = experiment.run()
    assert summary["best_arch"] == json.loads(best.read_text())["arch"]
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.onnx", "model.ts", "weights.pt"]

    # The reloaded checkpoint scores what the run recorded, on the same validation split.
    saved = torch.load(model_dir / "weights.pt")
    space, data = experiment.space, experiment.estimator.dataset
    model = space.build(space.from_string(saved["arch"]), data.num_classes, data.input_shape)
    model.load_state_dict(saved["state_dict"])
    accuracy = experiment.estimator.trainer.accuracy(model.to(data.device), data.valid)
    assert accuracy == pytest.approx(summary["best_value"], abs=1e-9)
