"""The space of AutoML-Zero algorithms: memory sizes, the ops each component function may use,
and the sizes random component functions start with (Real et al. 2020, Section 3)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from nasrun.automl_zero.algorithm import COMPONENTS, Algorithm, parse_algorithm
from nasrun.automl_zero.mutation import Memory, Mutator
from nasrun.automl_zero.ops import OPS, op_code
from nasrun.errors import NasrunError
from nasrun.spaces.base import SearchSpace

#: Every op but NO_OP (the paper's Table S1): what ``ops: all`` means.
ALL_OPS = [op.name for op in OPS[1:]]


class AlgorithmSpace(SearchSpace):
    """Programs of Setup / Predict / Learn over ``scalars`` / ``vectors`` / ``matrices``
    addresses. ``*_ops`` name the allowed ops (``all``: Table S1's 64), ``*_size`` the sizes of
    a random component function, ``*_max_size`` the limit for insertions. An architecture is an
    :class:`Algorithm`; it has no network, so spaces that train networks are elsewhere."""

    name = "automl_zero"

    def __init__(
        self,
        scalars: int = 4,
        vectors: int = 3,
        matrices: int = 1,
        setup_ops: Sequence[str] | str = "all",
        predict_ops: Sequence[str] | str = "all",
        learn_ops: Sequence[str] | str = "all",
        setup_size: int = 10,
        predict_size: int = 2,
        learn_size: int = 8,
        setup_max_size: int = 21,
        predict_max_size: int = 21,
        learn_max_size: int = 45,
    ) -> None:
        if min(scalars, vectors) < 2 or matrices < 0:
            raise NasrunError("space: automl_zero needs scalars >= 2 and vectors >= 2 (s0, s1, v0)")
        self.memory = Memory(scalars, vectors, matrices)
        self.ops: dict[str, list[int]] = {}
        for component, names in zip(COMPONENTS, (setup_ops, predict_ops, learn_ops), strict=True):
            names = ALL_OPS if names == "all" else list(names)
            self.ops[component] = [op_code(n) for n in names]
        self.init_sizes = dict(zip(COMPONENTS, (setup_size, predict_size, learn_size), strict=True))
        self.max_sizes = dict(
            zip(COMPONENTS, (setup_max_size, predict_max_size, learn_max_size), strict=True)
        )
        self.mutator([], 0.0)  # refuses ops that need memory the space lacks

    def mutator(self, mutations: list[str], mutate_prob: float) -> Mutator:
        """The :class:`Mutator` over this space (random algorithms, the three mutations)."""
        return Mutator(
            self.memory, self.ops, self.init_sizes, self.max_sizes,
            mutations or ["alter_param"], mutate_prob,
        )  # fmt: skip

    def _decisions(self):
        return ()  # an algorithm is a program, not a vector of choices

    def to_params(self, arch: Algorithm) -> dict:
        return {}  # no Optuna parameters: the trial's ``arch`` string is the algorithm

    def sample(self, rng: random.Random) -> Algorithm:
        return self.mutator([], 0.0).random_algorithm(rng)

    def to_string(self, arch: Algorithm) -> str:
        return arch.one_line()

    def from_string(self, text: str) -> Algorithm:
        return self.validate(parse_algorithm(text))

    def validate(self, arch: Algorithm) -> Algorithm:
        """Refuses addresses outside this space's memory."""
        for body in arch:
            for ins in body:
                op = OPS[ins.op]
                used = list(zip(op.inputs, (ins.in1, ins.in2), strict=False))
                used += [(op.output, ins.out)] if op.output else []
                for kind, address in used:
                    if address >= self.memory.count(kind):
                        raise NasrunError(
                            f"automl_zero: {ins} uses {kind}{address}, beyond the space's "
                            f"{self.memory.count(kind)} {dict(s='scalar', v='vector', m='matrix')[kind]} addresses"
                        )
        return arch

    def build(self, arch, num_classes, input_shape):
        raise NasrunError("space=automl_zero holds algorithms, not networks: nothing to build")
