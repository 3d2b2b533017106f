"""One-shot (weight-sharing) NAS: searchers that train a supernet instead of many networks."""

from nasrun.oneshot.base import OneShotSearcher
from nasrun.oneshot.darts import DartsSearcher
from nasrun.oneshot.enas import EnasSearcher
from nasrun.oneshot.gdas import GdasSearcher
from nasrun.oneshot.spos import SposSearcher

__all__ = ["DartsSearcher", "EnasSearcher", "GdasSearcher", "OneShotSearcher", "SposSearcher"]
