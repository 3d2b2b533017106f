"""nasrun's Optuna samplers: NAS search strategies that Optuna lacks, and a grid factory.

Each sampler is a plain ``optuna.samplers.BaseSampler``, usable in any Optuna study.
"""

from nasrun.samplers._controller import Controller, ControllerSampler
from nasrun.samplers._grid import grid_sampler
from nasrun.samplers._ppo import PPOSampler
from nasrun.samplers._regularized_evolution import RegularizedEvolutionSampler
from nasrun.samplers._reinforce import ReinforceSampler

__all__ = [
    "Controller",
    "ControllerSampler",
    "PPOSampler",
    "RegularizedEvolutionSampler",
    "ReinforceSampler",
    "grid_sampler",
]
