"""Decisions grouped into the blocks a cell or network is built from, one block after another:
what PNAS grows a step at a time and what MetaQNN chooses as one layer.

- ``nb201``: one edge per block (6 blocks of 5 ops), in NB201's reading order;
- ``chain``: one layer per block (op, kernel, filters, stride and its skip connections);
- ``dag`` / ``nasnet_cell``: one node of one cell per block (its inputs, ops and combine).

Parameters of no block (``hpo=`` hyperparameters, or every parameter in a plain Optuna study,
which has no space) follow, one per block, in name order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nasrun.errors import NasrunError

if TYPE_CHECKING:
    from nasrun.spaces import SearchSpace

#: space name -> the pattern whose first group names the block of a decision.
_BLOCK_OF = {
    "nb201": re.compile(r"^(node\d+_in\d+)$"),
    "chain": re.compile(r"^(L\d+)_"),
    "dag": re.compile(r"^(\w+_n\d+)_"),
    "nasnet_cell": re.compile(r"^(\w+_n\d+)_"),
}


def can_grow(space: SearchSpace | None) -> bool:
    return space is None or space.name in _BLOCK_OF


def check_growable(space: SearchSpace | None, search: str) -> None:
    if not can_grow(space):
        raise NasrunError(
            f"search={search} cannot grow space={space.name} one block at a time; it grows "
            f"{', '.join(sorted(_BLOCK_OF))}"
        )


def blocks(space: SearchSpace | None, names: list[str]) -> list[list[int]]:
    """The positions in ``names`` of each block, in growing order (space decisions first)."""
    position = {name: i for i, name in enumerate(names)}
    grouped: dict[str, list[int]] = {}
    pattern = _BLOCK_OF.get(space.name) if space is not None else None
    for decision in space.decisions if space is not None else ():
        match = pattern.match(decision.name) if pattern is not None else None
        key = match.group(1) if match else decision.name  # a space of unknown shape: one each
        if decision.name in position:
            grouped.setdefault(key, []).append(position[decision.name])
    placed = {i for block in grouped.values() for i in block}
    return [*grouped.values(), *([i] for i in range(len(names)) if i not in placed)]
