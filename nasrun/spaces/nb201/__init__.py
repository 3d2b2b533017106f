"""The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020): space, op table, network, supernet."""

from nasrun.spaces.nb201.network import EDGES, NUM_NODES, NB201Cell, NB201Network
from nasrun.spaces.nb201.ops import NB201_OPS, OPS
from nasrun.spaces.nb201.space import NB201Space, edge_name

__all__ = [
    "EDGES",
    "NB201_OPS",
    "NUM_NODES",
    "OPS",
    "NB201Cell",
    "NB201Network",
    "NB201Space",
    "edge_name",
]
