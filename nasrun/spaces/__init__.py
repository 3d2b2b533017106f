"""Search spaces: decisions, string forms and networks of each architecture family."""

from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.cell import DagSpace, NasnetCellSpace
from nasrun.spaces.chain import ChainSpace
from nasrun.spaces.nb201 import NB201Space
from nasrun.spaces.supernet import Supernet

__all__ = [
    "Arch",
    "ChainSpace",
    "DagSpace",
    "Decision",
    "NasnetCellSpace",
    "NB201Space",
    "SearchSpace",
    "Supernet",
]
