"""The chain-structured space of Zoph & Le (ICLR 2017): space, network, supernet, morphism."""

from nasrun.spaces.chain.network import ChainLayer, ChainNet
from nasrun.spaces.chain.space import ChainSpace

__all__ = ["ChainLayer", "ChainNet", "ChainSpace"]
