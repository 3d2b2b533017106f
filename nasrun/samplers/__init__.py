"""nasrun's Optuna samplers: NAS search strategies that Optuna lacks."""

from nasrun.samplers._regularized_evolution import RegularizedEvolutionSampler

__all__ = ["RegularizedEvolutionSampler"]
