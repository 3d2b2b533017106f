"""Search spaces: decisions, string forms and networks of each architecture family, one
package per family (``chain/``, ``darts_cell/``, ``nb201/``)."""

from nasrun.spaces.arch import Arch, Choice, Decision
from nasrun.spaces.base import SearchSpace
from nasrun.spaces.chain import ChainSpace
from nasrun.spaces.darts_cell import DagSpace, NasnetCellSpace
from nasrun.spaces.nb201 import NB201Space
from nasrun.spaces.supernet import Supernet

__all__ = [
    "Arch",
    "ChainSpace",
    "Choice",
    "DagSpace",
    "Decision",
    "NasnetCellSpace",
    "NB201Space",
    "SearchSpace",
    "Supernet",
]
