"""Measuring a space's layers where they run: inside whole networks.

A layer timed alone runs with its own weights and input hot in the caches, and comes out
faster than it is inside a network: on this project's 2-core machine, tables of isolated layers
under-predicted whole MobileNets by 21-30%. So the table times each layer in place, in *probe*
networks of the space's supernet layout: probe ``k`` takes the ``k``-th candidate of every
block (all blocks, deepest depth), so that ``max(candidates)`` probes time every candidate once,
after the same kind of layers it follows in any architecture.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from nasrun.costs.timing import Timing, time_chain
from nasrun.errors import NasrunError


def probe_chains(space: Any, num_classes: int, input_shape: Sequence[int]) -> list[list[Any]]:
    """The probe networks of ``space`` as lists of layer specs; none when the space has no
    single layout (several stage widths)."""
    try:
        head, stages, tail = space.layout(num_classes, input_shape)
    except NasrunError:
        return []
    blocks = [[c for c in choices if c is not None] for s in stages for _, choices in s.blocks]
    count = max(len(b) for b in blocks)
    return [[*head, *(b[k % len(b)] for b in blocks), *tail] for k in range(count)]


def time_in_place(
    chains: Iterable[Sequence[Any]], device: torch.device, timing: Timing
) -> dict[str, float]:
    """Each layer's latency (ms) timed inside the chains it is part of (the mean over chains
    of a layer that is in several, such as the stem)."""
    found: dict[str, list[float]] = {}
    for chain in chains:
        modules = [spec.build().to(device) for spec in chain]
        times = time_chain(modules, chain[0].input(timing.batch, device), timing)
        for spec, ms in zip(chain, times, strict=True):
            found.setdefault(spec.key, []).append(ms)
    return {key: statistics.fmean(values) for key, values in found.items()}
