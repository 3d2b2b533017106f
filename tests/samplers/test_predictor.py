"""Predictor-guided search (BANANAS / NPENAS): mutations of the best, ranked by an ensemble."""

from __future__ import annotations

import itertools

import numpy as np
import optuna
import pytest

from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment
from nasrun.samplers import PredictorSampler
from nasrun.samplers._predictor_encoding import PathEncoding
from nasrun.samplers._surrogate import EnsemblePredictor
from nasrun.spaces import ChainSpace, NB201Space
from nasrun.spaces.nb201.ops import OPS
from tests.conftest import make_experiment

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = NB201Space()
SCORE = {"none": 0.0, "skip_connect": 0.3, "avg_pool_3x3": 0.2, "nor_conv_1x1": 0.6}


def objective(trial: optuna.Trial) -> float:
    return sum((1 + i / 10) * SCORE.get(op, 1.0) for i, op in enumerate(SPACE.suggest(trial)))


def _study(seed: int, acquisition: str = "its", encoding: str = "one_hot") -> optuna.Study:
    sampler = PredictorSampler(
        n_initial=5, epochs=50, acquisition=acquisition, encoding=encoding, seed=seed
    )
    return optuna.create_study(direction="maximize", sampler=sampler)


def test_the_ensemble_learns_a_function_and_is_unsure_away_from_its_data():
    rng = np.random.RandomState(0)
    x = rng.randint(0, 2, size=(40, 8)).astype(np.float32)
    y = x @ np.arange(8) + 0.01 * rng.randn(40)
    predictor = EnsemblePredictor(epochs=200, seed=0).fit(x, y)
    mean, std = predictor.predict(x)
    assert np.corrcoef(mean, y)[0, 1] > 0.95
    _, far = predictor.predict(10 * np.ones((1, 8), dtype=np.float32))
    assert far[0] > std.mean()  # the members disagree where they saw nothing
    again, _ = EnsemblePredictor(epochs=200, seed=0).fit(x, y).predict(x)
    assert np.array_equal(mean, again)  # same data and seed: the same predictor


def test_the_path_encoding_is_naslibs_for_nb201():
    names = sorted(d.name for d in SPACE.decisions)  # the order an Encoding sees them in
    encode = PathEncoding(names, [len(OPS)] * len(names))
    # NASLib's nasbench201 encode_paths: the paths input->output over edges (in NB201's string
    # order) [3], [0, 4], [1, 5], [0, 2, 5]; 5 + 5**2 + 5**3 features, one path's ops in base 5.
    assert encode.paths == [[3], [0, 4], [1, 5], [0, 2, 5]]
    tokens = np.array([[1, 2, 3, 4, 0, 1]])
    expected = {0 + 4, 5 + 1 + 0 * 5, 5 + 2 + 1 * 5, 30 + 1 + 3 * 5 + 1 * 25}  # = 4, 6, 12, 71
    assert set(np.flatnonzero(encode(tokens)[0])) == expected
    every_cell = np.array(list(itertools.product(range(len(OPS)), repeat=len(names))))
    features = encode(every_cell)
    assert features.shape == (5**6, 155)
    assert len({row.tobytes() for row in features}) == 5**6  # no two cells look the same


def test_path_encoding_is_refused_in_one_line_for_a_space_without_cell_edges(tmp_path):
    with pytest.raises(NasrunError, match="encoding=path needs a cell space") as error:
        PredictorSampler(space=ChainSpace(), encoding="path")
    assert "\n" not in str(error.value)
    with pytest.raises(NasrunError, match="encoding=path"):  # before any trial is trained
        make_experiment(tmp_path, "search=predictor", "search.sampler.encoding=path").run()


@pytest.mark.parametrize(("acquisition", "encoding"), [("its", "one_hot"), ("ucb", "path")])
def test_after_the_random_start_each_trial_is_a_new_mutant_of_a_best_trial(acquisition, encoding):
    study = _study(0, acquisition, encoding)
    study.optimize(objective, n_trials=20)
    trials = study.trials
    assert len({tuple(t.params.values()) for t in trials[5:]}) == 15
    for t in trials[5:]:
        earlier = trials[: t.number]
        distance = min(sum(t.params[k] != s.params[k] for k in t.params) for s in earlier)
        assert distance == 1  # one decision away from an evaluated cell


def test_it_beats_random_search_on_average():
    guided = [_study(s) for s in range(2)]
    rand = [
        optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=s))
        for s in range(2)
    ]
    for study in guided + rand:
        study.optimize(objective, n_trials=25)
    assert sum(s.best_value for s in guided) > sum(s.best_value for s in rand)


@pytest.mark.parametrize("encoding", ["one_hot", "path"])
def test_it_runs_on_nb201_tables(tmp_path, nb201_dir, encoding):
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=predictor",
        f"search.sampler.encoding={encoding}",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        "budget.trials=15",
        "storage=memory",
        "verbose=false",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 15 and summary["best_value"] > 0.8
