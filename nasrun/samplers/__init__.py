"""nasrun's Optuna samplers: NAS search strategies that Optuna lacks, and a grid factory.

Each sampler is a plain ``optuna.samplers.BaseSampler``, usable in any Optuna study.
"""

from nasrun.samplers._controller import Controller, ControllerSampler
from nasrun.samplers._fabolas import FabolasSampler
from nasrun.samplers._grid import grid_sampler
from nasrun.samplers._metaqnn import MetaQNNSampler
from nasrun.samplers._openai_es import OpenAIESSampler
from nasrun.samplers._pnas import PNASSampler
from nasrun.samplers._ppo import PPOSampler
from nasrun.samplers._predictor import PredictorSampler
from nasrun.samplers._regularized_evolution import RegularizedEvolutionSampler
from nasrun.samplers._reinforce import ReinforceSampler

__all__ = [
    "Controller",
    "ControllerSampler",
    "FabolasSampler",
    "MetaQNNSampler",
    "OpenAIESSampler",
    "PNASSampler",
    "PPOSampler",
    "PredictorSampler",
    "RegularizedEvolutionSampler",
    "ReinforceSampler",
    "grid_sampler",
]
