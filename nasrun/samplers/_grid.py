"""Grid search over a space's full grid, with Optuna's ``GridSampler``."""

from __future__ import annotations

from optuna.samplers import GridSampler

from nasrun.errors import NasrunError
from nasrun.spaces import SearchSpace


def grid_sampler(
    space: SearchSpace, seed: int | None = None, max_size: int = 100_000
) -> GridSampler:
    """Optuna's ``GridSampler`` over every architecture of ``space``, in a seeded random order.

    A space larger than ``max_size`` architectures is refused: enumerating it would not end
    within any useful budget.
    """
    size = space.size()
    if size > max_size:
        raise NasrunError(
            f"search=grid: space {space.name!r} holds {size:,} architectures, more than "
            f"search.sampler.max_size={max_size:,}; use a search that samples (random, tpe, ea, ...)"
        )
    return GridSampler({d.name: list(d.choices) for d in space.decisions}, seed=seed)
