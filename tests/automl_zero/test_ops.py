"""Every instruction of Table S1 against a plain-Python reference on random memory."""

from __future__ import annotations

import math
import random

import pytest
import torch

from nasrun.automl_zero import Evaluator, Instruction
from nasrun.automl_zero.mutation import Memory
from nasrun.automl_zero.ops import OPS

F, ROWS = 3, 4
MEMORY = Memory(scalars=3, vectors=3, matrices=3)


def _mean(xs):
    return sum(xs) / len(xs)


def _std(xs):
    return math.sqrt(_mean([x * x for x in xs]) - _mean(xs) ** 2)


def _norm(xs):
    return math.sqrt(sum(x * x for x in xs))


def _col(m, j):
    return [row[j] for row in m]


def _t(m):
    return [_col(m, j) for j in range(F)]


def _ew(f, a, b=None):
    """Element-wise over a vector or a matrix (lists), binary when ``b`` is given."""
    if isinstance(a, list):
        return [_ew(f, x, None if b is None else y) for x, y in zip(a, b or a, strict=True)]
    return f(a) if b is None else f(a, b)


def _div(a, b):
    return a / b if b != 0 else math.copysign(math.inf, a) * math.copysign(1, b) if a else math.nan


def _safe(f):
    def g(*args):
        try:
            return f(*args)
        except (ValueError, OverflowError):
            return math.nan

    return g


# What each op computes from (in1 value, in2 value, data, old output value), in plain Python.
REFERENCE = {
    "scalar_sum": lambda a, b, d, o: a + b,
    "scalar_diff": lambda a, b, d, o: a - b,
    "scalar_product": lambda a, b, d, o: a * b,
    "scalar_division": lambda a, b, d, o: _div(a, b),
    "scalar_abs": lambda a, b, d, o: abs(a),
    "scalar_reciprocal": lambda a, b, d, o: _div(1.0, a),
    "scalar_sin": lambda a, b, d, o: math.sin(a),
    "scalar_cos": lambda a, b, d, o: math.cos(a),
    "scalar_tan": lambda a, b, d, o: math.tan(a),
    "scalar_arcsin": lambda a, b, d, o: _safe(math.asin)(a),
    "scalar_arccos": lambda a, b, d, o: _safe(math.acos)(a),
    "scalar_arctan": lambda a, b, d, o: math.atan(a),
    "scalar_exp": lambda a, b, d, o: math.exp(a),
    "scalar_log": lambda a, b, d, o: math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan),
    "scalar_heavyside": lambda a, b, d, o: 1.0 if a >= 0 else 0.0,
    "vector_heavyside": lambda a, b, d, o: _ew(lambda x: 1.0 if x > 0 else 0.0, a),
    "matrix_heavyside": lambda a, b, d, o: _ew(lambda x: 1.0 if x > 0 else 0.0, a),
    "scalar_vector_product": lambda a, b, d, o: [a * x for x in b],
    "scalar_broadcast": lambda a, b, d, o: [a] * F,
    "vector_reciprocal": lambda a, b, d, o: _ew(lambda x: _div(1.0, x), a),
    "vector_norm": lambda a, b, d, o: _norm(a),
    "vector_abs": lambda a, b, d, o: _ew(abs, a),
    "vector_sum": lambda a, b, d, o: _ew(lambda x, y: x + y, a, b),
    "vector_diff": lambda a, b, d, o: _ew(lambda x, y: x - y, a, b),
    "vector_product": lambda a, b, d, o: _ew(lambda x, y: x * y, a, b),
    "vector_division": lambda a, b, d, o: _ew(_div, a, b),
    "vector_inner_product": lambda a, b, d, o: sum(x * y for x, y in zip(a, b, strict=True)),
    "vector_outer_product": lambda a, b, d, o: [[x * y for y in b] for x in a],
    "scalar_matrix_product": lambda a, b, d, o: _ew(lambda x: a * x, b),
    "matrix_reciprocal": lambda a, b, d, o: _ew(lambda x: _div(1.0, x), a),
    "matrix_vector_product": lambda a, b, d, o: [sum(x * y for x, y in zip(r, b, strict=True)) for r in a],
    "vector_column_broadcast": lambda a, b, d, o: [[x] * F for x in a],
    "vector_row_broadcast": lambda a, b, d, o: [list(a) for _ in range(F)],
    "matrix_norm": lambda a, b, d, o: _norm([x for r in a for x in r]),
    "matrix_column_norm": lambda a, b, d, o: [_norm(_col(a, j)) for j in range(F)],
    "matrix_row_norm": lambda a, b, d, o: [_norm(r) for r in a],
    "matrix_transpose": lambda a, b, d, o: _t(a),
    "matrix_abs": lambda a, b, d, o: _ew(abs, a),
    "matrix_sum": lambda a, b, d, o: _ew(lambda x, y: x + y, a, b),
    "matrix_diff": lambda a, b, d, o: _ew(lambda x, y: x - y, a, b),
    "matrix_product": lambda a, b, d, o: _ew(lambda x, y: x * y, a, b),
    "matrix_division": lambda a, b, d, o: _ew(_div, a, b),
    "matrix_matrix_product": lambda a, b, d, o: [[sum(x * y for x, y in zip(r, c, strict=True)) for c in _t(b)] for r in a],
    "scalar_min": lambda a, b, d, o: min(a, b),
    "vector_min": lambda a, b, d, o: _ew(min, a, b),
    "matrix_min": lambda a, b, d, o: _ew(min, a, b),
    "scalar_max": lambda a, b, d, o: max(a, b),
    "vector_max": lambda a, b, d, o: _ew(max, a, b),
    "matrix_max": lambda a, b, d, o: _ew(max, a, b),
    "vector_mean": lambda a, b, d, o: _mean(a),
    "matrix_mean": lambda a, b, d, o: _mean([x for r in a for x in r]),
    "matrix_row_mean": lambda a, b, d, o: [_mean(r) for r in a],
    "matrix_row_st_dev": lambda a, b, d, o: [_std(r) for r in a],
    "vector_st_dev": lambda a, b, d, o: _std(a),
    "matrix_st_dev": lambda a, b, d, o: _std([x for r in a for x in r]),
    "scalar_const_set": lambda a, b, d, o: d[0],
    "vector_const_set": lambda a, b, d, o: [d[1] if i == int(d[0] * F) else x for i, x in enumerate(o)],
    "matrix_const_set": lambda a, b, d, o: [
        [d[2] if (i, j) == (int(d[0] * F), int(d[1] * F)) else x for j, x in enumerate(r)]
        for i, r in enumerate(o)
    ],
}  # fmt: skip
RANDOM = [op for op in OPS if op.name.endswith(("uniform_set", "gaussian_set"))]
DETERMINISTIC = [op for op in OPS[1:] if op not in RANDOM]


def test_every_op_of_table_s1_is_here():
    assert len(OPS) == 65 and {op.name for op in DETERMINISTIC} == set(REFERENCE)


def _memory(seed: int):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(ROWS, 3, generator=g, dtype=torch.float64)
    v = torch.randn(ROWS, 3, F, generator=g, dtype=torch.float64)
    m = torch.randn(ROWS, 3, F, F, generator=g, dtype=torch.float64)
    s[0, 2], v[1, 1, 0] = 0.0, 0.0  # zeros reach division, log and heaviside
    return s, v, m


@pytest.mark.parametrize("op", DETERMINISTIC, ids=lambda op: op.name)
def test_each_instruction_matches_a_plain_python_reference(op):
    rng = random.Random(op.code)
    for trial in range(3):
        s, v, m = _memory(op.code * 10 + trial)
        mem = {"s": s.tolist(), "v": v.tolist(), "m": m.tolist()}
        in1, in2, out = rng.randrange(3), rng.randrange(3), rng.randrange(3)
        data = tuple(rng.random() for _ in range(op.data))
        ins = Instruction(op.code, in1, in2, out, data)
        s2, v2, m2 = Evaluator(MEMORY).execute([ins], s, v, m)
        got = {"s": s2.tolist(), "v": v2.tolist(), "m": m2.tolist()}
        for row in range(ROWS):
            args = [mem[k][row][a] for k, a in zip(op.inputs, (in1, in2), strict=False)]
            args += [None] * (2 - len(args))
            expected = REFERENCE[op.name](*args, data, mem[op.output][row][out])
            assert _close(got[op.output][row][out], expected), (str(ins), row)
            for kind in "svm":  # nothing else changed
                for address in range(3):
                    if (kind, address) != (op.output, out):
                        assert got[kind][row][address] == mem[kind][row][address]


def _close(got, expected) -> bool:
    if isinstance(expected, list):
        return all(_close(g, e) for g, e in zip(got, expected, strict=True))
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("op", RANDOM, ids=lambda op: op.name)
def test_random_initialisers_draw_from_their_distribution(op):
    rows = 4000
    s = torch.zeros(rows, 2, dtype=torch.float64)
    v = torch.zeros(rows, 2, F, dtype=torch.float64)
    m = torch.zeros(rows, 1, F, F, dtype=torch.float64)
    ins = Instruction(op.code, 0, 0, 1 if op.output != "m" else 0, (-0.5, 0.25))
    after = dict(zip("svm", Evaluator(Memory(2, 2, 1)).execute([ins], s, v, m), strict=True))
    drawn = after[op.output][:, ins.out]
    if "uniform" in op.name:
        assert drawn.min() >= -0.5 and drawn.max() <= 0.25
        assert abs(drawn.mean() - (-0.125)) < 0.02
    else:
        assert abs(drawn.mean() - (-0.5)) < 0.02 and abs(drawn.std() - 0.25) < 0.02
