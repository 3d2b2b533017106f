"""Building the configured sampler (``search.sampler``) with what it needs at run time."""

from __future__ import annotations

import inspect

import optuna
from hydra.utils import get_object
from omegaconf import DictConfig

from nasrun.config import instantiate
from nasrun.spaces import SearchSpace


def instantiate_sampler(
    node: DictConfig, seed: int, space: SearchSpace
) -> optuna.samplers.BaseSampler:
    """The sampler of ``node``, seeded; given the space too when its target takes one.

    Optuna's own samplers take no space; a nasrun factory that needs it (``grid_sampler``)
    names a ``space`` parameter, so one config convention serves both.
    """
    try:
        takes_space = "space" in inspect.signature(get_object(node._target_)).parameters
    except Exception:  # an unknown target: instantiate() reports it in one line
        takes_space = False
    extra = {"space": space} if takes_space else {}
    return instantiate(node, "search.sampler", seed=seed, **extra)
