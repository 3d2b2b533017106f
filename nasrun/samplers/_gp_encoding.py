"""A search space as a point in the unit cube, for Gaussian-process samplers.

Numeric parameters take one coordinate (their position across the range, in log space for log
distributions); a categorical takes one coordinate per choice (one-hot). Decoding snaps a point
back to valid values: the integer or step grid, the strongest choice. Parameters with a single
value are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution

from nasrun.samplers._distributions import _from_unit, _to_unit, choice_index, has_alternative


class GPEncoding:
    """Parameters ordered by name, so every worker sees the same coordinates."""

    def __init__(self, search_space: Mapping[str, BaseDistribution]) -> None:
        # A parameter with one value says nothing to a model: left to the independent sampler.
        self.names = sorted(n for n, d in search_space.items() if has_alternative(d))
        self.distributions = [search_space[name] for name in self.names]
        self.widths = [
            len(d.choices) if isinstance(d, CategoricalDistribution) else 1
            for d in self.distributions
        ]
        self.dim = sum(self.widths)

    def encode(self, params: Mapping[str, Any]) -> list[float]:
        point: list[float] = []
        for name, distribution, width in zip(
            self.names, self.distributions, self.widths, strict=True
        ):
            if isinstance(distribution, CategoricalDistribution):
                one_hot = [0.0] * width
                one_hot[choice_index(distribution, params[name])] = 1.0
                point += one_hot
            else:
                point.append(min(max(_to_unit(distribution, params[name]), 0.0), 1.0))
        return point

    def decode(self, point: np.ndarray) -> dict[str, Any]:
        params, at = {}, 0
        for name, distribution, width in zip(
            self.names, self.distributions, self.widths, strict=True
        ):
            block = np.asarray(point[at : at + width], dtype=float)
            if isinstance(distribution, CategoricalDistribution):
                params[name] = distribution.choices[int(np.argmax(block))]
            else:
                params[name] = _from_unit(distribution, float(np.clip(block[0], 0.0, 1.0)))
            at += width
        return params
