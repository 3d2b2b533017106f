"""The tabular estimator on the real NAS-Bench-201 tables, and its one-line errors (the
simulated-seconds budget: tests/cli/test_nb201_experiments.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from nasrun.benchmarks.nb201 import FILES, NB201Benchmark
from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.estimators import TabularEstimator
from nasrun.experiment import Experiment
from nasrun.spaces import ChainSpace, NB201Space
from nasrun.training import count_flops, count_params
from tests.conftest import run_cli, run_dir_results

UNKNOWN = "|conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def test_a_search_reports_the_test_accuracy_of_its_best_architecture(tmp_path, nb201_dir):
    # storage=memory: the same run as with the default SQLite file, without 50 disk commits.
    args = ("space=nb201", "estimator=tabular", "budget.trials=50", "storage=memory")
    cfg = compose(*args, f"data_dir={nb201_dir}", "verbose=false")
    Experiment.from_config(cfg, tmp_path / "run").run()
    trials, summary = run_dir_results(tmp_path / "run")
    assert summary["n_complete"] == 50 and summary["dataset"] == "cifar10"
    assert summary["best_value"] == trials["value"].max()
    record = NB201Benchmark(nb201_dir).lookup(summary["best_arch"], "cifar10")
    assert summary["best_test_value"] == pytest.approx(record.test_acc_200ep / 100)
    assert summary["best_value"] == pytest.approx(record.valid_acc_12ep / 100)
    assert (trials["cost_s"] > 0).all() and trials["fidelity"].eq("nb201:cifar10,epochs=12").all()


def test_costs_per_edge_match_counting_the_built_network(nb201_dir):
    space, estimator = NB201Space(), TabularEstimator(NB201Space(), root=str(nb201_dir))
    for arch in [space.from_string(s) for s in NB201Benchmark(nb201_dir).arch_strings()[:2]]:
        model = space.build(arch, 10, (3, 32, 32))
        assert estimator.costs(arch) == (count_params(model), count_flops(model, (3, 32, 32)))


def test_other_spaces_and_other_nb201_networks_are_refused(nb201_dir):
    estimator = TabularEstimator(NB201Space(), root=str(nb201_dir))
    with pytest.raises(NasrunError, match="needs space=nb201"):
        estimator.check_space(ChainSpace())
    with pytest.raises(NasrunError, match="space.channels=16"):
        estimator.check_space(NB201Space(channels=8))


def test_missing_tables_are_one_line_naming_the_files(tmp_path):
    proc = run_cli(
        tmp_path, "space=nb201", "estimator=tabular", f"data_dir={tmp_path}", check=False
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("nasrun: error: NAS-Bench-201 tables not found")
    assert all(name in line for name in FILES)


def test_wrong_columns_are_one_line(tmp_path, nb201_dir):
    (tmp_path / "nb201").mkdir()
    for name in FILES:  # the real headers and rows, each file without its second column
        frame = pd.read_csv(nb201_dir / "nb201" / name, nrows=3)
        frame.drop(columns=frame.columns[1]).to_csv(tmp_path / "nb201" / name, index=False)
    with pytest.raises(NasrunError, match="lacks columns") as error:
        NB201Benchmark(tmp_path)
    assert "\n" not in str(error.value)


def test_an_unknown_architecture_is_one_line(nb201_dir):
    with pytest.raises(NasrunError, match="not in the NAS-Bench-201 tables") as error:
        NB201Benchmark(nb201_dir).lookup(UNKNOWN)
    assert "\n" not in str(error.value)
