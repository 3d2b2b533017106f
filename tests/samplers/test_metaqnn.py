"""MetaQNN: tabular Q-learning with the paper's epsilon schedule and experience replay."""

from __future__ import annotations

import optuna
import pytest

from nasrun.config import compose
from nasrun.experiment import Experiment
from nasrun.samplers import MetaQNNSampler
from nasrun.samplers._metaqnn import PAPER_EPSILON_SCHEDULE, epsilon_at
from nasrun.spaces import ChainSpace
from tests.conftest import make_experiment

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = ChainSpace(num_layers=3, filter_sizes=(1, 3), num_filters=(8, 16))


def objective(trial: optuna.Trial) -> float:
    """In [0, 1], like an accuracy: wide 3x3 layers score best; below q_init = 0.5 without."""
    layers = SPACE.layers(SPACE.suggest(trial))
    good = sum((layer["kh"], layer["kw"], layer["filters"]) == (3, 3, 16) for layer in layers)
    return 0.3 + 0.2 * good


@pytest.mark.parametrize(
    ("number", "epsilon"),
    [(0, 1.0), (1499, 1.0), (1500, 0.9), (1699, 0.8), (1800, 0.6), (2549, 0.2), (2699, 0.1)],
)
def test_the_paper_schedule_trains_1500_models_at_1_then_steps_down_to_0_1(number, epsilon):
    assert epsilon_at(number, PAPER_EPSILON_SCHEDULE) == epsilon
    assert epsilon_at(10_000, PAPER_EPSILON_SCHEDULE) == 0.1  # the last epsilon stays


def test_the_schedule_squeezed_into_60_trials_keeps_its_shape():
    epsilons = [epsilon_at(n, PAPER_EPSILON_SCHEDULE, trials=60) for n in range(60)]
    assert epsilons.count(1.0) == 33  # 1500 / 2700 of 60
    assert epsilons == sorted(epsilons, reverse=True) and epsilons[-1] == 0.1
    assert sorted(set(epsilons)) == [e for e, _ in sorted(PAPER_EPSILON_SCHEDULE)]


def test_one_update_is_the_q_learning_rule_last_layer_first():
    sampler = MetaQNNSampler(space=SPACE, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=1)  # sets the table up (one trial, replayed)
    sampler.q.clear()
    trajectory = [(0,), (1,), (2,)]
    sampler.update(trajectory, reward=1.0)
    last = sampler.q[(2, (1,))][(2,)]
    assert last == pytest.approx(0.5 + 0.01 * (1.0 - 0.5))  # lr 0.01 toward the reward
    middle = sampler.q[(1, (0,))][(1,)]  # discount 1: toward the best Q of the next state
    assert middle == pytest.approx(0.5 + 0.01 * (last - 0.5))


def test_replay_updates_past_architectures_again_after_each_new_one():
    def q_of_first_trial(replay_size: int) -> float:
        sampler = MetaQNNSampler(space=SPACE, replay_size=replay_size, seed=0)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        study.optimize(objective, n_trials=20)
        first = sampler._actions(sampler.encoding.encode(study.trials[0].params))
        return sampler.q.get((2, first[1]), {}).get(first[2], 0.5), study.trials[0].value

    once, reward = q_of_first_trial(1)
    replayed, _ = q_of_first_trial(64)
    # 64 draws per new trial update the first trajectory ~64 x more: nearer its reward
    assert abs(replayed - reward) < abs(once - reward)


def test_at_a_low_epsilon_it_exploits_what_it_learnt_and_never_repeats_a_network():
    schedule = [[1.0, 30], [0.1, 10]]  # 0.1: the paper's last epsilon
    sampler = MetaQNNSampler(space=SPACE, epsilon_schedule=schedule, replay_size=128, seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=40)
    explore, exploit = study.trials[:30], study.trials[30:]
    assert sum(t.value for t in exploit) / 10 > sum(t.value for t in explore) / 30
    assert len({tuple(t.params.values()) for t in study.trials}) == 40


def test_it_runs_on_chain_from_the_config_and_resumes_its_study(tmp_path):
    args = ("search=metaqnn", "search.sampler.schedule_trials=5", "study=q")
    make_experiment(tmp_path, *args, "budget.trials=3").run()
    summary = make_experiment(tmp_path, *args, "budget.trials=5", run="again").run()
    assert summary["n_complete"] == 5


def test_it_runs_on_nb201_tables(tmp_path, nb201_dir):
    cfg = compose(
        "experiment=nb201_cifar10",
        "search=metaqnn",
        "search.sampler.schedule_trials=15",
        f"data_dir={nb201_dir}",
        "budget.cost_s=null",
        "budget.trials=15",
        "storage=memory",
        "verbose=false",
    )
    summary = Experiment.from_config(cfg, tmp_path / "run").run()
    assert summary["n_complete"] == 15
