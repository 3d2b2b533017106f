"""The contract of every one-shot search: each ``configs/search/*.yaml`` whose search is a
``OneShotSearch`` composes, runs on a tiny cell space, leaves one trial per epoch whose params
are an architecture of the space, and resumes from its checkpoint to the same end as an
uninterrupted run. A new YAML is tested by being there."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import torch
import yaml

from nasrun.budget import Budget
from nasrun.config import CONFIG_DIR, compose, instantiate
from nasrun.search import OneShotSearch, Recorder

ONE_SHOT = sorted(
    path.stem
    for path in (CONFIG_DIR / "search").glob("*.yaml")
    if (yaml.safe_load(path.read_text()) or {}).get("_target_") == "nasrun.search.OneShotSearch"
)
TINY = [
    "space=dag",
    "space.channels=4",
    "space.layers=3",
    "dataset=synthetic",
    "dataset.num_classes=3",
    "dataset.channels=1",
    "dataset.image_size=8",
    "dataset.num_examples=120",
    "device=cpu",
    "search.epochs=2",
    "search.batch_size=32",
]
#: Searcher options that make a step cheap, applied where a searcher has them.
CHEAP = {"controller_steps": 2, "samples": 2}


def test_every_one_shot_search_is_found():
    assert {"darts", "pc_darts", "gdas", "enas", "spos", "snas", "proxyless"} <= set(ONE_SHOT)


def _parts(name: str, checkpoints: Path):
    cfg = compose(f"search={name}", *TINY, f"search.checkpoint_dir={checkpoints}")
    for key, value in CHEAP.items():
        if key in cfg.search.searcher:
            cfg.search.searcher[key] = value
    dataset = instantiate(cfg.dataset, "dataset", device="cpu")
    space = instantiate(cfg.space, "space")
    trainer = instantiate(cfg.trainer, "trainer")
    estimator = instantiate(
        cfg.estimator, "estimator", space=space, dataset=dataset, trainer=trainer, seed=0
    )
    search = instantiate(cfg.search, "search", seed=0, hpo=None)
    return space, estimator, search


def _run(name: str, tmp_path: Path, study_name: str, budget: Budget) -> optuna.Study:
    space, estimator, search = _parts(name, tmp_path / study_name)
    study = optuna.create_study(study_name=study_name, direction="maximize")
    recorder = Recorder(space, "valid_acc", tmp_path / study_name / "run", verbose=False)
    search.run(study, space, estimator, budget, recorder)
    return study


@pytest.mark.parametrize("name", ONE_SHOT)
def test_one_shot_search_records_epochs_and_resumes(tmp_path, name):
    space, _, search = _parts(name, tmp_path)
    assert isinstance(search, OneShotSearch) and search.name == name

    reference = _run(name, tmp_path, "whole", Budget(trials=1))
    assert [t.user_attrs["epoch"] for t in reference.trials] == [1, 2]
    for trial in reference.trials:
        arch = space.from_params(trial.params)  # raises unless a valid arch of the space
        assert trial.user_attrs["arch"] == space.to_string(arch)
        assert 0 <= trial.value <= 1 and trial.user_attrs["n_params"] > 0
    assert (tmp_path / "whole" / "run" / "alphas.csv").is_file()

    # Stopped by the clock after its first epoch, then run again: it continues from the
    # checkpoint and ends where the uninterrupted run ended.
    study = optuna.create_study(study_name="split", direction="maximize")
    for budget in (Budget(seconds=1e-9), Budget(trials=1)):
        space, estimator, search = _parts(name, tmp_path / "split")
        recorder = Recorder(space, "valid_acc", tmp_path / "split" / "run", verbose=False)
        search.run(study, space, estimator, budget, recorder)
    assert [t.user_attrs["epoch"] for t in study.trials] == [1, 2]
    last, expected = study.trials[-1], reference.trials[-1]
    assert (last.params, last.value) == (expected.params, expected.value)


def test_a_seed_gives_the_same_search_whatever_the_process_drew_before(tmp_path):
    """Dropout (the MobileNet classifier's) draws from torch's global generator: each epoch
    seeds it from (seed, epoch), so one seed is one search in any process."""
    mobilenet = [
        "space=mobilenet",
        "space.stage_channels=[4,8]",
        "space.stage_layers=[1,1]",
        "space.stage_strides=[1,2]",
        "space.head_channels=8",
        "space.kernel_sizes=[3]",
        "space.expansions=[1,2]",
        "space.squeeze_excite=[false]",
        "space.dropout=0.5",
    ]
    losses = []
    for drawn in (1, 2):  # what the process drew before the search differs
        torch.manual_seed(drawn)
        data = [o for o in TINY if not o.startswith("space")]
        cfg = compose(
            "search=darts", *data, *mobilenet, f"search.checkpoint_dir={tmp_path}/{drawn}"
        )
        space = instantiate(cfg.space, "space")
        dataset = instantiate(cfg.dataset, "dataset", device="cpu")
        trainer = instantiate(cfg.trainer, "trainer")
        estimator = instantiate(
            cfg.estimator, "estimator", space=space, dataset=dataset, trainer=trainer, seed=0
        )
        search = instantiate(cfg.search, "search", seed=0, hpo=None)
        study = optuna.create_study(direction="maximize")
        recorder = Recorder(space, "valid_acc", tmp_path / str(drawn), verbose=False)
        search.run(study, space, estimator, Budget(trials=1), recorder)
        losses.append([t.user_attrs["train_loss"] for t in study.trials])
    assert losses[0] == losses[1]
