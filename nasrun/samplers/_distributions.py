"""What nasrun's samplers share about Optuna distributions.

- Stateless random draws: a generator seeded by (seed, trial number, name), so a restarted run
  or a second worker draws exactly what the uninterrupted run would have drawn.
- A discrete view of any distribution (:class:`Encoding`), for policies that pick one of a
  few tokens per parameter: categorical choices as they are; integers and floats (log and step
  included) as a fixed number of bins, mapped back to valid values.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

Numeric = IntDistribution | FloatDistribution


def default_seed(seed: int | None) -> int:
    return int(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**31)


def trial_rng(seed: int, trial_number: int, salt: str = "") -> np.random.RandomState:
    """A generator that depends only on its arguments (no state to lose on a restart)."""
    mixed = seed * 1_000_003 + trial_number * 7919 + zlib.crc32(salt.encode())
    return np.random.RandomState(mixed % 2**32)


def uniform_value(distribution: BaseDistribution, rng: np.random.RandomState) -> Any:
    """A uniform draw from ``distribution`` (uniform in log space for log distributions)."""
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[rng.randint(len(distribution.choices))]
    return _from_unit(distribution, rng.uniform(0.0, 1.0))


def choice_index(distribution: CategoricalDistribution, value: Any) -> int:
    """The position of ``value`` among the choices, as Optuna stores it (NaN matches NaN)."""
    return int(distribution.to_internal_repr(value))


def has_alternative(distribution: BaseDistribution) -> bool:
    if isinstance(distribution, CategoricalDistribution):
        return len(distribution.choices) > 1
    return distribution.high > distribution.low


def _grid_count(distribution: Numeric) -> int | None:
    """How many values an integer or stepped distribution holds (None: a continuum)."""
    if isinstance(distribution, IntDistribution):
        return (distribution.high - distribution.low) // distribution.step + 1
    if distribution.step is not None:
        return int(round((distribution.high - distribution.low) / distribution.step)) + 1
    return None


def _grid_value(distribution: Numeric, position: int) -> int | float:
    step = distribution.step or 1
    value = distribution.low + step * position
    if isinstance(distribution, IntDistribution):
        return int(value)
    # low + step * k can round past high (-10.2 + 0.1 * 204 > 10.2): clip, as Optuna's samplers do
    return float(min(max(value, distribution.low), distribution.high))


def _to_unit(distribution: Numeric, value: float) -> float:
    """The inverse of :func:`_from_unit`: ``value``'s position in [0, 1] across the range."""
    low, high = float(distribution.low), float(distribution.high)
    count = _grid_count(distribution)
    if count is not None and not distribution.log:
        return (round((value - low) / (distribution.step or 1)) + 0.5) / count
    if distribution.log:
        if isinstance(distribution, IntDistribution):
            low, high = low - 0.5, high + 0.5
        elif high == low:  # a single-valued log float: no width to divide by
            return 0.0
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low) if high > low else 0.0


def _from_unit(distribution: Numeric, u: float) -> int | float:
    """The valid value at position ``u`` in [0, 1], snapped to the integer/step grid."""
    low, high = float(distribution.low), float(distribution.high)
    count = _grid_count(distribution)
    if count is not None and not distribution.log:
        return _grid_value(distribution, min(int(u * count), count - 1))
    if distribution.log:
        if isinstance(distribution, IntDistribution):  # widen by half a unit so ends are fair
            low, high = low - 0.5, high + 0.5
        x = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        x = low + u * (high - low)
    if isinstance(distribution, IntDistribution):
        return int(min(max(round(x), distribution.low), distribution.high))
    return float(min(max(x, low), high))


class Encoding:
    """A search space seen as a sequence of discrete tokens, one per parameter.

    Parameters are ordered by name, so every worker and every storage sees the same order.
    A numeric parameter with at most ``n_bins`` values is enumerated exactly; a larger one is
    cut into ``n_bins`` equal bins (in log space for log distributions), and decoding a bin
    draws a valid value inside it.
    """

    def __init__(self, search_space: Mapping[str, BaseDistribution], n_bins: int = 10) -> None:
        if n_bins < 2:
            raise ValueError("n_bins must be at least 2")
        self.names = sorted(search_space)
        self.distributions = [search_space[name] for name in self.names]
        self.n_bins = n_bins
        self.sizes = [self._size(d) for d in self.distributions]

    def _size(self, distribution: BaseDistribution) -> int:
        if isinstance(distribution, CategoricalDistribution):
            return len(distribution.choices)
        count = _grid_count(distribution)
        return count if count is not None and count <= self.n_bins else self.n_bins

    def _exact(self, distribution: BaseDistribution) -> bool:
        count = (
            None if isinstance(distribution, CategoricalDistribution) else _grid_count(distribution)
        )
        return count is not None and count <= self.n_bins

    def encode(self, params: Mapping[str, Any]) -> list[int]:
        """The token of each parameter's value in ``params``."""
        tokens = []
        for name, distribution, size in zip(
            self.names, self.distributions, self.sizes, strict=True
        ):
            value = params[name]
            if isinstance(distribution, CategoricalDistribution):
                tokens.append(choice_index(distribution, value))
            elif self._exact(distribution):
                tokens.append(int(round((value - distribution.low) / (distribution.step or 1))))
            else:
                tokens.append(min(int(_to_unit(distribution, value) * size), size - 1))
        return tokens

    def decode(self, tokens: list[int], rng: np.random.RandomState) -> dict[str, Any]:
        """Valid parameter values for ``tokens`` (a uniform draw within each numeric bin)."""
        params = {}
        for name, distribution, size, token in zip(
            self.names, self.distributions, self.sizes, tokens, strict=True
        ):
            if isinstance(distribution, CategoricalDistribution):
                params[name] = distribution.choices[token]
            elif self._exact(distribution):
                params[name] = _grid_value(distribution, token)
            else:
                params[name] = _from_unit(distribution, (token + rng.uniform(0.0, 1.0)) / size)
        return params
