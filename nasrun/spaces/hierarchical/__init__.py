"""The hierarchical space of Liu et al. (ICLR 2018): primitives, motifs, cell, network, supernet."""

from nasrun.spaces.hierarchical.network import HierarchicalNet, Motif
from nasrun.spaces.hierarchical.space import HierarchicalSpace

__all__ = ["HierarchicalNet", "HierarchicalSpace", "Motif"]
