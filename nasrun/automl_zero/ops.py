"""The instruction set of AutoML-Zero (Real et al., ICML 2020, Table S1): 65 ops over typed memory.

Each op names the memory type of its inputs and output (``s`` scalar, ``v`` vector, ``m``
matrix), how many constants it carries (``data``), how it prints (the authors' notation, e.g.
``s3 = s0 - s1``; ``instruction.cc`` ``ToString``) and a batched implementation: ``fn(a, b, old,
d, gen)`` computes the output for R rows at once, where ``a``/``b`` are the gathered inputs
(``(R,)``, ``(R, F)`` or ``(R, F, F)``), ``old`` the output's current value (the const-set ops
write one element), ``d`` the rows' constants ``(R, 3)`` and ``gen`` a ``torch.Generator``.
Semantics follow the authors' ``executor.h``, NaN behaviour of min/max included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

Fn = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class Op:
    code: int  # OPn of the paper and of the authors' instruction.proto
    name: str  # the proto's enum name, lower case, without ``_op``
    inputs: str  # memory types of in1, in2 ("", "s", "v", "sv", ...)
    output: str  # memory type written
    data: int  # constants carried (activation / float data)
    template: str  # how it prints; {out} {in1} {in2} are addresses, {d0}.. constants
    fn: Fn


def _index(fraction: torch.Tensor, size: int) -> torch.Tensor:
    """``FloatToIndex``: a constant in [0, 1) picks one of ``size`` positions."""
    return (fraction * size).long().clamp_(0, size - 1)


def _vector_set(a, b, old, d, gen):
    out = old.clone()
    out[torch.arange(len(old), device=old.device), _index(d[:, 0], old.shape[-1])] = d[:, 1]
    return out


def _matrix_set(a, b, old, d, gen):
    out = old.clone()
    f = old.shape[-1]
    rows = torch.arange(len(old), device=old.device)
    out[rows, _index(d[:, 0], f), _index(d[:, 1], f)] = d[:, 2]
    return out


def _uniform(a, b, old, d, gen):
    u = torch.rand(old.shape, generator=gen, dtype=old.dtype, device=old.device)
    low, high = (d[:, i].view(-1, *[1] * (old.dim() - 1)) for i in (0, 1))
    return low + (high - low) * u


def _gaussian(a, b, old, d, gen):
    z = torch.randn(old.shape, generator=gen, dtype=old.dtype, device=old.device)
    mean, std = (d[:, i].view(-1, *[1] * (old.dim() - 1)) for i in (0, 1))
    return mean + std * z


def _std(x: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    mean = x.mean(dim=dims)
    return torch.sqrt((x * x).mean(dim=dims) - mean * mean)


def _min_first(a, b):  # std::min(a, b) and Eigen's cwiseMin: b only when b < a
    return torch.where(b < a, b, a)


def _max_first(a, b):  # std::max(a, b): b only when a < b
    return torch.where(a < b, b, a)


def _unary(f: Callable[[torch.Tensor], torch.Tensor]) -> Fn:
    return lambda a, b, old, d, gen: f(a)


def _binary(f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Fn:
    return lambda a, b, old, d, gen: f(a, b)


def _heaviside_at_zero(a):  # scalar: >= 0 (executor.h), vector and matrix: > 0
    return (a >= 0).to(a.dtype)


def _heaviside(a):
    return (a > 0).to(a.dtype)


# fmt: off
_SPECS: list[tuple[int, str, str, str, int, str, Fn]] = [
    (0, "no", "", "", 0, "NoOp()", lambda a, b, old, d, gen: old),
    (1, "scalar_sum", "ss", "s", 0, "s{out} = s{in1} + s{in2}", _binary(torch.add)),
    (2, "scalar_diff", "ss", "s", 0, "s{out} = s{in1} - s{in2}", _binary(torch.sub)),
    (3, "scalar_product", "ss", "s", 0, "s{out} = s{in1} * s{in2}", _binary(torch.mul)),
    (4, "scalar_division", "ss", "s", 0, "s{out} = s{in1} / s{in2}", _binary(torch.div)),
    (5, "scalar_abs", "s", "s", 0, "s{out} = abs(s{in1})", _unary(torch.abs)),
    (6, "scalar_reciprocal", "s", "s", 0, "s{out} = 1 / s{in1}", _unary(torch.reciprocal)),
    (7, "scalar_sin", "s", "s", 0, "s{out} = sin(s{in1})", _unary(torch.sin)),
    (8, "scalar_cos", "s", "s", 0, "s{out} = cos(s{in1})", _unary(torch.cos)),
    (9, "scalar_tan", "s", "s", 0, "s{out} = tan(s{in1})", _unary(torch.tan)),
    (10, "scalar_arcsin", "s", "s", 0, "s{out} = arcsin(s{in1})", _unary(torch.asin)),
    (11, "scalar_arccos", "s", "s", 0, "s{out} = arccos(s{in1})", _unary(torch.acos)),
    (12, "scalar_arctan", "s", "s", 0, "s{out} = arctan(s{in1})", _unary(torch.atan)),
    (13, "scalar_exp", "s", "s", 0, "s{out} = exp(s{in1})", _unary(torch.exp)),
    (14, "scalar_log", "s", "s", 0, "s{out} = log(s{in1})", _unary(torch.log)),
    (15, "scalar_heavyside", "s", "s", 0, "s{out} = heaviside(s{in1}, 1.0)",
     _unary(_heaviside_at_zero)),
    (16, "vector_heavyside", "v", "v", 0, "v{out} = heaviside(v{in1}, 1.0)", _unary(_heaviside)),
    (17, "matrix_heavyside", "m", "m", 0, "m{out} = heaviside(m{in1}, 1.0)", _unary(_heaviside)),
    (18, "scalar_vector_product", "sv", "v", 0, "v{out} = s{in1} * v{in2}",
     _binary(lambda s, v: s[:, None] * v)),
    (19, "scalar_broadcast", "s", "v", 0, "v{out} = bcast(s{in1})",
     lambda a, b, old, d, gen: a[:, None].expand_as(old).clone()),
    (20, "vector_reciprocal", "v", "v", 0, "v{out} = 1 / v{in1}", _unary(torch.reciprocal)),
    (21, "vector_norm", "v", "s", 0, "s{out} = norm(v{in1})",
     _unary(lambda v: torch.linalg.vector_norm(v, dim=-1))),
    (22, "vector_abs", "v", "v", 0, "v{out} = abs(v{in1})", _unary(torch.abs)),
    (23, "vector_sum", "vv", "v", 0, "v{out} = v{in1} + v{in2}", _binary(torch.add)),
    (24, "vector_diff", "vv", "v", 0, "v{out} = v{in1} - v{in2}", _binary(torch.sub)),
    (25, "vector_product", "vv", "v", 0, "v{out} = v{in1} * v{in2}", _binary(torch.mul)),
    (26, "vector_division", "vv", "v", 0, "v{out} = v{in1} / v{in2}", _binary(torch.div)),
    (27, "vector_inner_product", "vv", "s", 0, "s{out} = dot(v{in1}, v{in2})",
     _binary(lambda a, b: (a * b).sum(-1))),
    (28, "vector_outer_product", "vv", "m", 0, "m{out} = outer(v{in1}, v{in2})",
     _binary(lambda a, b: a[:, :, None] * b[:, None, :])),
    (29, "scalar_matrix_product", "sm", "m", 0, "m{out} = s{in1} * m{in2}",
     _binary(lambda s, m: s[:, None, None] * m)),
    (30, "matrix_reciprocal", "m", "m", 0, "m{out} = 1 / m{in1}", _unary(torch.reciprocal)),
    (31, "matrix_vector_product", "mv", "v", 0, "v{out} = dot(m{in1}, v{in2})",
     _binary(lambda m, v: (m * v[:, None, :]).sum(-1))),
    (32, "vector_column_broadcast", "v", "m", 0, "m{out} = bcast(v{in1}, axis=0)",
     lambda a, b, old, d, gen: a[:, :, None].expand_as(old).clone()),
    (33, "vector_row_broadcast", "v", "m", 0, "m{out} = bcast(v{in1}, axis=1)",
     lambda a, b, old, d, gen: a[:, None, :].expand_as(old).clone()),
    (34, "matrix_norm", "m", "s", 0, "s{out} = norm(m{in1})",
     _unary(lambda m: torch.linalg.vector_norm(m, dim=(-2, -1)))),
    (35, "matrix_column_norm", "m", "v", 0, "v{out} = norm(m{in1}, axis=0)",
     _unary(lambda m: torch.linalg.vector_norm(m, dim=-2))),
    (36, "matrix_row_norm", "m", "v", 0, "v{out} = norm(m{in1}, axis=1)",
     _unary(lambda m: torch.linalg.vector_norm(m, dim=-1))),
    (37, "matrix_transpose", "m", "m", 0, "m{out} = transpose(m{in1})",
     _unary(lambda m: m.transpose(-2, -1).clone())),
    (38, "matrix_abs", "m", "m", 0, "m{out} = abs(m{in1})", _unary(torch.abs)),
    (39, "matrix_sum", "mm", "m", 0, "m{out} = m{in1} + m{in2}", _binary(torch.add)),
    (40, "matrix_diff", "mm", "m", 0, "m{out} = m{in1} - m{in2}", _binary(torch.sub)),
    (41, "matrix_product", "mm", "m", 0, "m{out} = m{in1} * m{in2}", _binary(torch.mul)),
    (42, "matrix_division", "mm", "m", 0, "m{out} = m{in1} / m{in2}", _binary(torch.div)),
    (43, "matrix_matrix_product", "mm", "m", 0, "m{out} = matmul(m{in1}, m{in2})",
     _binary(torch.matmul)),
    (44, "scalar_min", "ss", "s", 0, "s{out} = minimum(s{in1}, s{in2})", _binary(_min_first)),
    (45, "vector_min", "vv", "v", 0, "v{out} = minimum(v{in1}, v{in2})", _binary(_min_first)),
    (46, "matrix_min", "mm", "m", 0, "m{out} = minimum(m{in1}, m{in2})",
     _binary(lambda a, b: torch.where(a < b, a, b))),
    (47, "scalar_max", "ss", "s", 0, "s{out} = maximum(s{in1}, s{in2})", _binary(_max_first)),
    (48, "vector_max", "vv", "v", 0, "v{out} = maximum(v{in1}, v{in2})", _binary(_max_first)),
    (49, "matrix_max", "mm", "m", 0, "m{out} = maximum(m{in1}, m{in2})",
     _binary(lambda a, b: torch.where(a > b, a, b))),
    (50, "vector_mean", "v", "s", 0, "s{out} = mean(v{in1})", _unary(lambda v: v.mean(-1))),
    (51, "matrix_mean", "m", "s", 0, "s{out} = mean(m{in1})",
     _unary(lambda m: m.mean(dim=(-2, -1)))),
    (52, "matrix_row_mean", "m", "v", 0, "v{out} = mean(m{in1}, axis=1)",
     _unary(lambda m: m.mean(-1))),
    (53, "matrix_row_st_dev", "m", "v", 0, "v{out} = std(m{in1}, axis=1)",
     _unary(lambda m: _std(m, (-1,)))),
    (54, "vector_st_dev", "v", "s", 0, "s{out} = std(v{in1})", _unary(lambda v: _std(v, (-1,)))),
    (55, "matrix_st_dev", "m", "s", 0, "s{out} = std(m{in1})",
     _unary(lambda m: _std(m, (-2, -1)))),
    (56, "scalar_const_set", "", "s", 1, "s{out} = {d0}", lambda a, b, old, d, gen: d[:, 0].clone()),
    (57, "vector_const_set", "", "v", 2, "v{out}[{d0}] = {d1}", _vector_set),
    (58, "matrix_const_set", "", "m", 3, "m{out}[{d0}, {d1}] = {d2}", _matrix_set),
    (59, "scalar_uniform_set", "", "s", 2, "s{out} = uniform({d0}, {d1})", _uniform),
    (60, "vector_uniform_set", "", "v", 2, "v{out} = uniform({d0}, {d1}, n_features)", _uniform),
    (61, "matrix_uniform_set", "", "m", 2,
     "m{out} = uniform({d0}, {d1}, (n_features, n_features))", _uniform),
    (62, "scalar_gaussian_set", "", "s", 2, "s{out} = gaussian({d0}, {d1})", _gaussian),
    (63, "vector_gaussian_set", "", "v", 2, "v{out} = gaussian({d0}, {d1}, n_features)",
     _gaussian),
    (64, "matrix_gaussian_set", "", "m", 2,
     "m{out} = gaussian({d0}, {d1}, (n_features, n_features))", _gaussian),
]
# fmt: on

#: Every op by its code (0..64); the code is the instruction's op field.
OPS: tuple[Op, ...] = tuple(Op(*spec) for spec in _SPECS)
#: Op codes by name, as configs name them (``scalar_diff`` or ``SCALAR_DIFF_OP``).
BY_NAME: dict[str, int] = {op.name: op.code for op in OPS}
assert [op.code for op in OPS] == list(range(len(OPS)))

#: The label is written to s0 before Learn (0 before Predict), the prediction is read from s1,
#: the features are written to v0 (the authors' kLabelsScalarAddress, kPredictionsScalarAddress,
#: kFeaturesVectorAddress); random outputs never overwrite s0 or v0 (kFirstOut*Address).
LABEL, PREDICTION, FEATURES = 0, 1, 0
FIRST_OUT = {"s": 1, "v": 1, "m": 0}


def op_code(name: str) -> int:
    """The code of an op named as in configs: ``scalar_diff``, ``SCALAR_DIFF_OP`` or ``2``."""
    key = str(name).strip().lower().removesuffix("_op")
    if key.isdigit() and int(key) < len(OPS):
        return int(key)
    if key not in BY_NAME:
        from nasrun.errors import NasrunError

        raise NasrunError(f"automl_zero: unknown op {name!r}; ops are {', '.join(BY_NAME)}")
    return BY_NAME[key]


def flip_and_squash(rms: float) -> float:
    """The authors' ``FlipAndSquash``: RMS error in [0, inf) to fitness in (0, 1]."""
    if math.isnan(rms) or math.isinf(rms):
        return 0.0
    return 1.0 - 2.0 / math.pi * math.atan(rms)
