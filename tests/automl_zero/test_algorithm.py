"""Algorithms print in the paper's notation and read back to the same program."""

from __future__ import annotations

import random

import pytest

from nasrun.automl_zero import AlgorithmSpace, parse_algorithm
from nasrun.automl_zero.algorithm import Instruction
from nasrun.errors import NasrunError

#: The human-designed linear regressor of the authors' README (google-research/automl_zero).
HUMAN_REGRESSOR = """
def Setup():
  s2 = 0.001  # Init learning rate.

def Predict():  # v0 = features
  s1 = dot(v0, v1)  # Apply weights

def Learn():  # v0 = features; s0 = label
  s3 = s0 - s1  # Compute error.
  s4 = s3 * s2  # Apply learning rate.
  v2 = v0 * s4  # Compute gradient.
  v1 = v1 + v2  # Update weights.
"""


def test_the_readme_regressor_parses_to_its_six_instructions():
    algorithm = parse_algorithm(HUMAN_REGRESSOR)
    assert [len(body) for body in algorithm] == [1, 1, 4]
    assert algorithm.setup[0] == Instruction(56, out=2, data=(0.001,))
    assert algorithm.learn[2] == Instruction(18, in1=4, in2=0, out=2)  # s4 * v0
    assert str(algorithm.predict[0]) == "s1 = dot(v0, v1)"


@pytest.mark.parametrize("seed", range(5))
def test_random_algorithms_of_every_op_round_trip_through_both_printed_forms(seed):
    space = AlgorithmSpace(scalars=5, vectors=4, matrices=3, setup_size=30, predict_size=30,
                           learn_size=30)  # fmt: skip
    algorithm = space.sample(random.Random(seed))
    assert parse_algorithm(algorithm.code()) == algorithm
    assert space.from_string(space.to_string(algorithm)) == algorithm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def Setup():\n  s1 = frobnicate(s2)\n", "cannot read instruction"),
        ("s1 = s2 + s3\n", r"starts with 'def Setup\(\):'"),
        ("def Setup():\ndef Predict():\n  s1 = dot(v0, v7)\n", "beyond the space's 3 vector"),
    ],
)
def test_malformed_programs_are_refused_in_one_line(text, expected):
    with pytest.raises(NasrunError, match=expected):
        AlgorithmSpace().from_string(text)
