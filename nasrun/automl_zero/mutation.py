"""Random instructions and algorithms, and the three mutations of AutoML-Zero (Real et al. 2020,
Section 4.1): insert or remove an instruction, randomise a whole component function, alter one
argument of one instruction. Distributions follow the authors' ``instruction.cc``: addresses
uniform over their type (outputs never s0 or v0), constants uniform in [-1, 1] (indices and
standard deviations in [0, 1)), constants altered on a log scale or sign-flipped.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from nasrun.automl_zero.algorithm import COMPONENTS, Algorithm, Instruction
from nasrun.automl_zero.ops import FIRST_OUT, OPS
from nasrun.errors import NasrunError

MUTATIONS = ("alter_param", "randomize_instruction", "randomize_component_function",
             "insert_remove_instruction")  # fmt: skip


@dataclass(frozen=True)
class Memory:
    """How many scalar, vector and matrix addresses an algorithm may use."""

    scalars: int = 4
    vectors: int = 3
    matrices: int = 1

    def count(self, kind: str) -> int:
        return {"s": self.scalars, "v": self.vectors, "m": self.matrices}[kind]


def _random_data(op_code: int, rng: random.Random) -> tuple[float, ...]:
    name = OPS[op_code].name
    if name == "scalar_const_set":
        return (rng.uniform(-1, 1),)
    if name == "vector_const_set":
        return (rng.random(), rng.uniform(-1, 1))
    if name == "matrix_const_set":
        return (rng.random(), rng.random(), rng.uniform(-1, 1))
    if name.endswith("gaussian_set"):
        return (rng.uniform(-1, 1), rng.random())  # mean, standard deviation
    if name.endswith("uniform_set"):
        return (rng.uniform(-1, 1), rng.uniform(-1, 1))
    return ()


def _log_scale(value: float, rng: random.Random, flip: bool) -> float:
    """Multiplies by a factor log-uniform in [1/10, 10]; ``flip``: or changes the sign."""
    if flip and rng.random() < 0.1:
        return -value
    return value * math.exp(rng.uniform(-math.log(10), math.log(10)))


def _alter_data(ins: Instruction, rng: random.Random) -> Instruction:
    data, name = list(ins.data), OPS[ins.op].name
    i = rng.randrange(len(data))
    if name.endswith("const_set") and i < len(data) - 1:
        data[i] = rng.random()  # an index
    elif name.endswith("gaussian_set") and i == 1:
        data[i] = abs(_log_scale(data[i], rng, flip=False))
    else:
        data[i] = _log_scale(data[i], rng, flip=True)
    if name.endswith("uniform_set"):
        data = sorted(data)
    return ins._replace(data=tuple(data))


class Mutator:
    """Draws random instructions from per-component op sets over ``memory``, and mutates."""

    def __init__(
        self,
        memory: Memory,
        ops: dict[str, list[int]],
        init_sizes: dict[str, int],
        max_sizes: dict[str, int],
        mutations: list[str],
        mutate_prob: float,
    ) -> None:
        unknown = [m for m in mutations if m not in MUTATIONS]
        if unknown or not mutations:
            raise NasrunError(f"automl_zero: mutations must be some of {list(MUTATIONS)}")
        if not 0.0 <= mutate_prob <= 1.0:
            raise NasrunError(f"automl_zero: mutate_prob must be in [0, 1], got {mutate_prob}")
        for name in COMPONENTS:
            for op in (OPS[code] for code in ops[name] if code):
                if (
                    any(memory.count(k) < 1 for k in op.inputs)
                    or memory.count(op.output) <= FIRST_OUT[op.output]
                ):
                    raise NasrunError(
                        f"automl_zero: {name} op {op.name} needs memory the space lacks"
                    )
        self.memory, self.ops = memory, ops
        self.init_sizes, self.max_sizes = init_sizes, max_sizes
        self.mutations, self.mutate_prob = list(mutations), mutate_prob
        # Per component, each op with its address ranges, so a draw does no look-ups.
        self._draws = {
            name: [(code, [memory.count(k) for k in OPS[code].inputs],
                    FIRST_OUT.get(OPS[code].output, 0), memory.count(OPS[code].output or "s"))
                   for code in codes]
            for name, codes in ops.items()
        }  # fmt: skip

    def instruction(self, component: str, rng: random.Random) -> Instruction:
        code, in_sizes, out_first, out_end = rng.choice(self._draws[component])
        if code == 0:
            return Instruction(0)
        ins = [rng.randrange(n) for n in in_sizes] + [0, 0]
        return Instruction(code, ins[0], ins[1], rng.randrange(out_first, out_end),
                           _random_data(code, rng) if OPS[code].data else ())  # fmt: skip

    def component(self, name: str, rng: random.Random) -> tuple[Instruction, ...]:
        if not self.ops[name]:
            return ()
        return tuple(self.instruction(name, rng) for _ in range(self.init_sizes[name]))

    def random_algorithm(self, rng: random.Random) -> Algorithm:
        return Algorithm(*(self.component(name, rng) for name in COMPONENTS))

    def child(self, parent: Algorithm, rng: random.Random) -> Algorithm:
        """The parent mutated with probability ``mutate_prob`` (else copied, as the authors do)."""
        if rng.random() >= self.mutate_prob:
            return parent
        kind = rng.choice(self.mutations)
        names = [n for n in COMPONENTS if self.ops[n]]
        name = rng.choice(names)
        index = COMPONENTS.index(name)
        body = list(parent[index])
        if kind == "randomize_component_function":
            body = list(self.component(name, rng))
        elif kind == "insert_remove_instruction":
            grow = rng.random() < 0.5
            if (grow or not body) and len(body) < self.max_sizes[name]:
                body.insert(rng.randint(0, len(body)), self.instruction(name, rng))
            elif body:
                del body[rng.randrange(len(body))]
        elif body and kind == "randomize_instruction":
            body[rng.randrange(len(body))] = self.instruction(name, rng)
        elif body:  # alter_param: one address or constant of one instruction
            i = rng.randrange(len(body))
            body[i] = self._alter(body[i], rng)
        return parent._replace(**{name: tuple(body)})

    def _alter(self, ins: Instruction, rng: random.Random) -> Instruction:
        op = OPS[ins.op]
        if ins.op == 0:
            return ins
        fields = [f"in{i + 1}" for i in range(len(op.inputs))] + ["out"] + ["data"] * bool(op.data)
        field = rng.choice(fields)
        if field == "data":
            return _alter_data(ins, rng)
        if field == "out":
            return ins._replace(
                out=rng.randrange(FIRST_OUT[op.output], self.memory.count(op.output))
            )
        kind = op.inputs[int(field[-1]) - 1]
        return ins._replace(**{field: rng.randrange(self.memory.count(kind))})
