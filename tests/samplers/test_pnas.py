"""PNAS as an Optuna sampler: cells grown a block per step, the predictor's top K trained."""

from __future__ import annotations

import optuna
import pytest

from nasrun.config import compose
from nasrun.errors import NasrunError
from nasrun.experiment import Experiment
from nasrun.samplers import PNASSampler
from nasrun.spaces import ChainSpace, NB201Space
from nasrun.spaces.base import Decision, SearchSpace
from tests.conftest import make_experiment

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = NB201Space()
EDGES = [d.name for d in SPACE.decisions]
SCORE = {"none": 0.0, "skip_connect": 0.3, "avg_pool_3x3": 0.2, "nor_conv_1x1": 0.6}


def objective(trial: optuna.Trial) -> float:
    """A cell's score: conv 3x3 best on every edge, a little more on later edges."""
    arch = SPACE.suggest(trial)
    return sum((1 + i / 10) * SCORE.get(op, 1.0) for i, op in enumerate(arch))


def _study(beam_size: int = 3, seed: int = 0) -> optuna.Study:
    sampler = PNASSampler(space=SPACE, beam_size=beam_size, epochs=20, seed=seed)
    return optuna.create_study(direction="maximize", sampler=sampler)


def test_edges_are_grown_one_step_at_a_time_from_the_best_cells_of_the_step_before():
    k = 5  # step 1 trains the first edge's 5 ops (at most K cells)
    study = _study(k)
    study.optimize(objective, n_trials=5 + 5 * k)
    trials = study.trials
    first = [t.params for t in trials[:5]]  # step 1: the 5 ops of the first edge, rest default
    assert sorted(p[EDGES[0]] for p in first) == sorted(SPACE.decisions[0].choices)
    assert all(p[e] == "skip_connect" for p in first for e in EDGES[1:])
    for step in range(1, 6):
        start = 5 + (step - 1) * k
        previous = trials[max(0, start - k) if step > 1 else 0 : start]
        best = sorted(previous, key=lambda t: -t.value)[:k]
        grown = {tuple(t.params[e] for e in EDGES[:step]) for t in best}
        for t in trials[start : start + k]:
            assert tuple(t.params[e] for e in EDGES[:step]) in grown  # a best cell, expanded
            assert all(t.params[e] == "skip_connect" for e in EDGES[step + 1 :])  # not grown yet
    assert len({tuple(t.params.values()) for t in trials}) == len(trials)  # no cell twice


def test_it_finds_the_best_cell_of_a_simple_objective_and_beats_random_search():
    pnas = [_study(seed=s) for s in range(2)]
    rand = [
        optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=s))
        for s in range(2)
    ]
    for study in pnas + rand:
        study.optimize(objective, n_trials=30)
    assert max(s.best_value for s in pnas) == pytest.approx(sum(1 + i / 10 for i in range(6)))
    assert sum(s.best_value for s in pnas) > sum(s.best_value for s in rand)


def test_a_chain_network_grows_a_layer_per_step():
    space = ChainSpace(num_layers=3, filter_sizes=(1, 3), num_filters=(8, 16))
    sampler = PNASSampler(space=space, beam_size=2, epochs=20, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(lambda t: float(sum(v == 3 for v in space.suggest(t))), n_trials=4)
    for t in study.trials[:2]:  # step 1 grows layer 0: later layers keep their first choices
        assert all(
            t.params[f"L{i}_{k}"] == c for i in (1, 2) for k, c in [("kh", 1), ("filters", 8)]
        )


class _Unknown(SearchSpace):
    name = "toy"

    def _decisions(self):
        return [Decision("x", (1, 2))]

    def to_string(self, arch):
        return str(arch)

    def from_string(self, text):
        return (int(text),)

    def build(self, arch, num_classes, input_shape):
        raise NotImplementedError


def test_a_space_it_cannot_grow_is_refused_in_one_line():
    with pytest.raises(NasrunError, match="search=pnas cannot grow space=toy") as error:
        PNASSampler(space=_Unknown())
    assert "\n" not in str(error.value)


def test_it_runs_on_chain_from_the_config_and_resumes_its_study(tmp_path):
    args = ("search=pnas", "search.sampler.beam_size=2", "study=grow")
    make_experiment(tmp_path, *args, "budget.trials=3").run()
    summary = make_experiment(tmp_path, *args, "budget.trials=5", run="again").run()
    assert summary["n_complete"] == 5  # the second run topped the same study up


def test_it_runs_on_nb201_tables(tmp_path, nb201_dir):
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=pnas",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        "budget.trials=15",
        "storage=memory",
        "verbose=false",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 15 and summary["best_value"] > 0.8
