"""The controller samplers under threads: one policy, and it is still a function of the study."""

from __future__ import annotations

import optuna
import pytest

from nasrun.samplers import PPOSampler, ReinforceSampler

optuna.logging.set_verbosity(optuna.logging.ERROR)

SAMPLERS = {
    "rl": lambda: ReinforceSampler(seed=0, hidden_size=8),
    "ppo": lambda: PPOSampler(seed=0, hidden_size=8, batch_size=2),
}


def objective(trial: optuna.Trial) -> float:
    ops = [trial.suggest_categorical(f"op{i}", ["a", "b", None, 3]) for i in range(4)]
    return ops.count("a") + trial.suggest_float("x", -10.2, 10.2, step=0.1) / 10


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_after_two_threads_the_policy_is_the_one_the_study_defines(name):
    """Two threads raced to train one policy; a fresh sampler that only reads the finished
    study proposes exactly what the raced one does, so no thread's update was lost or doubled."""
    raced = SAMPLERS[name]()
    study = optuna.create_study(direction="maximize", sampler=raced)
    study.optimize(objective, n_trials=24, n_jobs=2)
    trial = study.ask()
    frozen = study._storage.get_trial(trial._trial_id)
    fresh = SAMPLERS[name]()
    proposals = [
        sampler.sample_relative(study, frozen, sampler.infer_relative_search_space(study, frozen))
        for sampler in (raced, fresh)
    ]
    assert proposals[0] == proposals[1] != {}
