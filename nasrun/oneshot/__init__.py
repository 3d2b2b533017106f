"""One-shot (weight-sharing) NAS algorithms: how a searcher trains and reads a supernet.

The epoch loop, records and checkpoints are :class:`nasrun.search.OneShotSearch`'s.
"""

from nasrun.oneshot.base import OneShotSearcher, SearchData
from nasrun.oneshot.darts import DartsSearcher
from nasrun.oneshot.enas import EnasSearcher
from nasrun.oneshot.gdas import GdasSearcher
from nasrun.oneshot.snas import SnasSearcher
from nasrun.oneshot.spos import SposSearcher

__all__ = [
    "DartsSearcher",
    "EnasSearcher",
    "GdasSearcher",
    "OneShotSearcher",
    "SearchData",
    "SnasSearcher",
    "SposSearcher",
]
