"""The cell spaces ``dag`` (ENAS / DARTS) and ``nasnet_cell`` (NASNet) in DARTS' macro network:
space, genotype notation, op table, evaluation network and search network."""

from nasrun.spaces.darts_cell.genotype import CellGenotype, Genotype
from nasrun.spaces.darts_cell.network import CellNetwork
from nasrun.spaces.darts_cell.space import CellSpace, DagSpace, NasnetCellSpace

__all__ = ["CellGenotype", "CellNetwork", "CellSpace", "DagSpace", "Genotype", "NasnetCellSpace"]
