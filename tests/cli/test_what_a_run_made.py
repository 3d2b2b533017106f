"""What a run leaves a researcher: where it went, labelled studies, batch-log output, storage
forms other tools read, and Hydra's conventions (issue 17)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import optuna
import pytest
from omegaconf import open_dict

from nasrun.config import CONFIG_DIR, compose
from tests.conftest import TINY, make_experiment, run_cli

STUDY = "chain-random-digits-seed0"


def _journal(path: Path) -> optuna.storages.JournalStorage:
    """The journal file as optuna-dashboard and the optuna CLI open it: by its plain path."""
    return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))


def test_a_run_in_a_batch_log_says_what_it_made(tmp_path):
    # stderr is a pipe here, as in a SLURM log: plain lines, no bars; the storage is given as
    # the plain journal path that the dashboard and the optuna CLI take.
    args = (*TINY, "budget.trials=2", "storage=j/study.log", "progress.every_trials=1")
    err = run_cli(tmp_path, *args, "hydra.run.dir=one").stderr
    assert not re.search(r"━ *\d+/\d+", err) and "\r" not in err  # no progress bars
    assert re.search(r"^1/2 trials \(50%\), best valid_acc 0\.\d{4} \(#0\), ", err, re.M), err
    assert re.search(r"^2/2 trials \(100%\)", err, re.M), err
    run_dir = tmp_path / "one"
    made = "(summary.md, trials.csv, best_arch.json)"
    assert f"nasrun: results in {run_dir}/ {made}\n" in err
    assert f"  study       {STUDY}\n" in err
    assert "  storage     j/study.log\n" in err
    assert re.search(r"^  best        trial \d: valid_acc 0\.\d{4}  conv", err, re.M)
    assert "  dashboard   optuna-dashboard j/study.log\n" in err
    assert f"  optuna CLI  optuna trials --storage j/study.log --study-name {STUDY}\n" in err
    assert f"  retrain     nasrun-train arch={run_dir}/best_arch.json\n" in err

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["storage"] == "j/study.log" and summary["study"] == STUDY
    assert set(summary["versions"]) == {"nasrun", "optuna", "torch", "python"}
    assert "commit" in summary and summary["device"] == "cpu"
    assert summary["budget"]["trials"] == 2
    best = json.loads((run_dir / "best_arch.json").read_text())
    assert (best["space"], best["arch"]) == ("chain", summary["best_arch"])
    assert best["counts"]["params"] > 0 and best["genotype"]["L0_op"] == "conv"

    study = optuna.load_study(study_name=STUDY, storage=_journal(tmp_path / "j" / "study.log"))
    assert study.metric_names == ["valid_acc"]  # not "Objective 0" in the dashboard
    attrs = study.user_attrs
    assert {k: attrs[k] for k in ("space", "search", "estimator", "dataset")} == {
        "space": "chain",
        "search": "random",
        "estimator": "low_fidelity",
        "dataset": "digits",
    }
    assert attrs["budget"]["trials"] == 2 and attrs["versions"]["optuna"] == optuna.__version__
    columns = set(study.trials_dataframe().columns)
    assert "user_attrs_n_params" in columns and "user_attrs_params" not in columns


@pytest.mark.slow  # two jobs side by side: a minute on two busy cores
def test_a_sweeps_jobs_label_their_lines_under_joblib(tmp_path):
    sweep = ("hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=sweep")
    err = run_cli(tmp_path, "-m", *TINY, "budget.trials=1", "seed=0,1", *sweep).stderr
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(re.match(r"\[job [01]\] ", line) for line in lines), err  # tables too
    for job in (0, 1):
        assert f"[job {job}] nasrun: new study chain-random-digits-seed{job} in" in err
        assert re.search(rf"^\[job {job}\] 1/1 trials \(100%\)", err, re.M), err


def test_a_storage_in_a_wrong_form_gets_a_hint_and_no_run_folder(tmp_path):
    for storage, hint in [
        ("study.db", "storage=sqlite:///study.db"),
        ("nowhere", "a journal file (/path/study.log or .jsonl)"),
    ]:
        proc = run_cli(tmp_path, f"storage={storage}", check=False)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1
        assert proc.stderr.startswith("nasrun: error: ") and hint in proc.stderr
    assert not (tmp_path / "outputs").exists()


def test_unknown_tracker_keys_are_refused_in_one_line(tmp_path):
    for override in ("+callbacks=x", "callbacks=[mlflow,x]"):
        proc = run_cli(tmp_path, override, check=False)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert "unknown callbacks 'x'; choose one of: mlflow, none, tensorboard" in proc.stderr
    proc = run_cli(tmp_path, *TINY, "+search.callbacks=x", check=False)
    assert proc.returncode == 2 and "unexpected keyword argument 'callbacks'" in proc.stderr


def test_default_studies_are_readable_and_unique(tmp_path):
    first = make_experiment(tmp_path, "budget.trials=1", run="a")
    second = make_experiment(tmp_path, "budget.trials=1", run="b")
    third = make_experiment(tmp_path, "budget.trials=1", "seed=3", run="c")
    names = [e.study.study_name for e in (first, second, third)]
    assert names == [STUDY, f"{STUDY}-2", "chain-random-digits-seed3"]


def test_the_task_returns_the_best_value_for_sweeper_plugins(tmp_path):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.hydra_config import HydraConfig

    from nasrun.cli.run import _run

    overrides = [*TINY, "budget.trials=1", "verbose=false", "storage=memory"]
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=overrides, return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(tmp_path / "run")
    HydraConfig.instance().set_config(cfg)
    task = cfg.copy()
    with open_dict(task):
        del task["hydra"]  # as Hydra hands the config to the task
    value = _run.__wrapped__(task)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert isinstance(value, float) and value == summary["best_value"]


@pytest.mark.parametrize("name", ["nb201_cifar10", "nb201_cifar100", "nb201_imagenet16"])
def test_nb201_experiments_compose_no_dataset(name):
    assert compose(f"experiment={name}").dataset is None


def test_progress_counts_toward_the_budget_that_ends_the_run(tmp_path, nb201_dir):
    # NB201's protocol ends on simulated seconds (12,000; 2,000 here); its 1,000 trials are
    # only a cap, which a bar of trials would show as "23/1000" at the end.
    args = ("experiment=nb201_cifar10", f"data_dir={nb201_dir}", "storage=memory")
    err = run_cli(tmp_path, *args, "budget.cost_s=2000").stderr
    last = [line for line in err.splitlines() if " simulated s " in line][-1]
    done, total = map(int, re.match(r"(\d+)/(\d+) simulated s", last).groups())
    assert total == 2000 and 2000 <= done < 2000 + 500, last
    assert "/1000" not in err
