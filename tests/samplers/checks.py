"""What "a valid value" means for every Optuna distribution, shared by the sampler tests."""

from __future__ import annotations

from typing import Any

import pytest
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)


def assert_valid(distribution: BaseDistribution, value: Any, name: str = "") -> None:
    """``value`` is one ``distribution`` holds: Optuna's own check, inside [low, high] (Optuna
    only warns), on the step grid, and of the declared type (an int stays an int, a categorical
    value is one of the choices, not an equal value of another type)."""
    where = (name, distribution, value)
    assert distribution._contains(distribution.to_internal_repr(value)), where
    if isinstance(distribution, CategoricalDistribution):
        assert any(type(c) is type(value) and _equal(c, value) for c in distribution.choices), where
        return
    assert type(value) is (int if isinstance(distribution, IntDistribution) else float), where
    assert distribution.low <= value <= distribution.high, where
    if isinstance(distribution, FloatDistribution) and distribution.step is not None:
        k = (value - distribution.low) / distribution.step
        assert k == pytest.approx(round(k), abs=1e-8), where


def _equal(choice: Any, value: Any) -> bool:
    return choice == value or (choice != choice and value != value)  # NaN is NaN's own choice
