"""Search spaces: decisions, string forms and networks of each architecture family."""

from nasrun.spaces.base import Arch, Decision, SearchSpace
from nasrun.spaces.chain import ChainSpace

__all__ = ["Arch", "ChainSpace", "Decision", "SearchSpace"]
