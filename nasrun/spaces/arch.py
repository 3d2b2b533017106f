"""Architectures as plain data: a tuple of chosen values, one per decision of a space.

Shared by the search-space interface and the supernets, which depend on this module and not on
each other.
"""

from __future__ import annotations

from dataclasses import dataclass

Choice = str | int | float | bool
Arch = tuple[Choice, ...]


@dataclass(frozen=True)
class Decision:
    """One categorical choice of a space, named as the Optuna parameter that holds it."""

    name: str
    choices: tuple[Choice, ...]
