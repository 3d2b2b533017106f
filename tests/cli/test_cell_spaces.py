"""The cell spaces through the CLI: one-shot searches, final training, and ``nasrun-train``."""

from __future__ import annotations

import pytest

from nasrun.cli.train_args import train_arguments
from nasrun.spaces import DagSpace
from nasrun.zoo import ZOO
from tests.conftest import run_cli, run_dir_results

CELL_TINY = ["space.channels=4", "dataset=synthetic", "device=cpu", "trainer.batch_size=128"]
SIZES = {"dag": ["space.layers=3"], "nasnet_cell": ["space.num_blocks=3"]}


@pytest.mark.parametrize("space", ["dag", "nasnet_cell"])
@pytest.mark.parametrize("search", ["darts", "pc_darts", "enas"])
def test_one_shot_searches_run_on_the_cell_spaces(tmp_path, space, search):
    args = [f"space={space}", *SIZES[space], *CELL_TINY, f"search={search}"]
    args += ["search.epochs=1", "search.batch_size=64"]
    if search == "enas":
        args.append("search.searcher.controller_steps=2")
    run_cli(tmp_path, *args, "hydra.run.dir=run")
    trials, summary = run_dir_results(tmp_path / "run")
    assert len(trials) == 1 and summary["space"] == space and summary["search"] == search
    assert trials["arch"][0].startswith("Genotype(normal=[")


def test_final_training_trains_the_derived_architecture(tmp_path):
    args = ["space=dag", *SIZES["dag"], *CELL_TINY, "search=darts", "search.epochs=1"]
    run_cli(tmp_path, *args, "+search.final_train=true", "trainer.epochs=2", "hydra.run.dir=run")
    search, _ = run_dir_results(tmp_path / "run")
    final, summary = run_dir_results(tmp_path / "run" / "final_train")
    assert final["arch"][0] == search["arch"].iloc[-1]  # the search's answer, retrained
    # Composed as `nasrun-train arch=<derived>` with the search's other overrides.
    assert final["epochs"][0] == 2 and summary["estimator"] == "low_fidelity"
    assert summary["study"].endswith("-final") and summary["space"] == "dag"
    assert summary["best_test_value"] is not None
    saved = {p.name for p in (tmp_path / "run" / "final_train" / "model").iterdir()}
    assert saved == {"weights.pt", "model.ts", "model.onnx"}  # the retrained network, kept


def test_nasrun_train_trains_a_zoo_architecture_in_its_own_space(tmp_path):
    args = ["arch=darts_v2", *CELL_TINY, "space.layers=3", "trainer.epochs=1", "hydra.run.dir=run"]
    run_cli(tmp_path, *args, tool="nasrun-train")
    trials, summary = run_dir_results(tmp_path / "run")
    assert summary["space"] == "dag" and summary["n_complete"] == 1
    assert (tmp_path / "run" / "model" / "model.onnx").is_file()  # in the run folder
    assert DagSpace().from_string(trials["arch"][0]) == ZOO["darts_v2"].arch()
    assert 0 <= summary["best_test_value"] <= 1


def test_nasrun_train_takes_a_genotype_string_and_the_darts_recipe(tmp_path):
    genotype = ZOO["gdas"].genotype
    args = [f"arch={genotype}", "space=dag", *CELL_TINY, "space.layers=3", "trainer.epochs=1"]
    recipe = ["space.auxiliary=true", "space.drop_path_prob=0.2", "hydra.run.dir=run"]
    run_cli(tmp_path, *args, *recipe, tool="nasrun-train")
    trials, _ = run_dir_results(tmp_path / "run")
    assert trials["state"][0] == "COMPLETE" and trials["arch"][0] == genotype


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give arch="),
        (["arch=darts_v2", "space=nb201"], "arch=darts_v2 lives in space=dag, not nb201"),
        (["arch=Genotype(normal=[1])", "space=dag"], "genotype:"),
    ],
)
def test_nasrun_train_refuses_bad_architectures_in_one_line(tmp_path, args, message):
    proc = run_cli(tmp_path, *args, "dataset=synthetic", tool="nasrun-train", check=False)
    assert proc.returncode != 0 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_headline_command_runs_as_typed(tmp_path):
    run_cli(tmp_path, "search=darts", "space=nasnet_cell")


def test_a_low_fidelity_proxy_network_is_recorded_on_every_trial(tmp_path):
    proxy = ("estimator.channels=4", "estimator.cells=2", "estimator.resolution=6")
    run_cli(tmp_path, "space=dag", "dataset=digits", "budget.trials=2", *proxy, "hydra.run.dir=r")
    trials, _ = run_dir_results(tmp_path / "r")
    assert (trials["state"] == "COMPLETE").all()
    assert set(trials["fidelity"]) == {"epochs=3,data=1,channels=4,cells=2,resolution=6"}


def test_a_final_training_on_the_default_space_needs_no_space_override():
    # The search's final training passes the derived string and the search's overrides, which
    # name no space when the search ran on the default one (nasrun.cli.final_train).
    args = train_arguments(["arch=conv3x3-8/1|conv1x1-8/1", "study=s-final"])
    assert args[-2:] == ['arch="conv3x3-8/1|conv1x1-8/1"', "study=s-final"]
