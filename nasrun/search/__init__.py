"""Search strategies behind one interface: Optuna samplers, and one-shot (weight-sharing) runs."""

from nasrun.search.base import Search
from nasrun.search.one_shot import OneShotSearch
from nasrun.search.optuna_search import OptunaSearch
from nasrun.search.recorder import Recorder

__all__ = ["OneShotSearch", "OptunaSearch", "Recorder", "Search"]
