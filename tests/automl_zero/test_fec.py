"""Functional equivalence checking: an algorithm that computes what a scored one computes gets
the cached fitness without being scored on the search tasks."""

from __future__ import annotations

from nasrun.automl_zero import TaskSetEstimator, parse_algorithm
from nasrun.automl_zero.space import AlgorithmSpace

REGRESSOR = """def Setup():
  s2 = 0.05
def Predict():
  s1 = dot(v0, v1)
def Learn():
  s3 = s0 - s1
  s3 = s3 * s2
  v2 = s3 * v0
  v1 = v1 + v2
"""
#: The same function written differently: operands swapped, and dead code.
EQUIVALENT = """def Setup():
  s3 = 0.7
  s2 = 0.05
def Predict():
  s1 = dot(v1, v0)
def Learn():
  s3 = s0 - s1
  s3 = s2 * s3
  v2 = s3 * v0
  v1 = v2 + v1
  s2 = s2 * s2
  s2 = 0.05
"""


def _estimator(**fec) -> TaskSetEstimator:
    tasks = {"num_tasks": 3, "train": 50, "valid": 20}
    return TaskSetEstimator(AlgorithmSpace(), seed=0, search_tasks=tasks,
                            fec={"train": 10, "valid": 10, **fec})  # fmt: skip


def test_a_functionally_equal_program_gets_the_cached_fitness():
    estimator = _estimator()
    (first,) = estimator.score([parse_algorithm(REGRESSOR)])
    assert estimator.cache.hits == 0
    (second,) = estimator.score([parse_algorithm(EQUIVALENT)])
    assert second == first and estimator.cache.hits == 1  # one hit: the FEC predictions
    # Poison the cached fitness: a third equal program must return it, unscored.
    for key in estimator.cache.entries:
        estimator.cache.entries[key] = 0.123
    (third,) = estimator.score([parse_algorithm(EQUIVALENT.replace("s3 = 0.7", "s3 = 0.9"))])
    assert third == 0.123


def test_a_different_function_is_scored_afresh():
    estimator = _estimator()
    estimator.score([parse_algorithm(REGRESSOR)])
    (other,) = estimator.score([parse_algorithm(REGRESSOR.replace("0.05", "0.2"))])
    assert estimator.cache.hits == 0 and other != 0.123


def test_the_cache_forgets_its_least_recently_used_entries():
    estimator = _estimator(cache_size=2)
    estimator.score([parse_algorithm(REGRESSOR.replace("0.05", f"0.0{i}")) for i in (1, 2, 3)])
    assert len(estimator.cache.entries) == 2
