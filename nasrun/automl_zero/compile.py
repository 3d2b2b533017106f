"""Turns a batch of algorithms into the batched steps the evaluator runs.

Two things make a population fast to run as tensors. First, instructions whose results can
never reach a prediction are dropped (a liveness analysis over Setup, then Predict and Learn
repeated; s0 and v0 are rewritten before each call, so they are never live across calls).
Second, the i-th instructions of all members form one step, and within a step the members
that run the same op form one group: each group is a gather, the op, and a scatter over
flat memory, so the Python cost per example is (steps x distinct ops), not (members x
instructions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from nasrun.automl_zero.algorithm import Algorithm, Instruction
from nasrun.automl_zero.ops import FEATURES, LABEL, OPS, PREDICTION, Fn

#: Ops that write only part of their output (so they read it too).
PARTIAL = frozenset({57, 58})
#: Ops whose implementation takes the output's current value (partial writes; the broadcasts
#: and random initialisers, for its shape).
TAKES_OLD = PARTIAL | {19, 32, 33} | set(range(59, 65))
_KIND = {"s": 0, "v": 1 << 16, "m": 2 << 16}  # an address as one int: kind offset + index
BOUNDARY = frozenset({_KIND["s"] + LABEL, _KIND["v"] + FEATURES})  # rewritten before each call


@lru_cache(maxsize=1 << 16)
def _effects(ins: Instruction) -> tuple[int, frozenset[int]]:
    """The address ``ins`` writes and the addresses it reads."""
    op = OPS[ins.op]
    reads = {_KIND[k] + a for k, a in zip(op.inputs, (ins.in1, ins.in2), strict=False)}
    written = _KIND[op.output] + ins.out if op.output else -1
    return written, frozenset(reads | ({written} if ins.op in PARTIAL else set()))


def _prune(body: tuple[Instruction, ...], live_out: frozenset[int]):
    """The instructions of ``body`` that affect ``live_out``, and what is live before it."""
    live, kept = set(live_out), []
    for ins in reversed(body):
        written, reads = _effects(ins)
        if written in live:
            kept.append(ins)
            live.discard(written)
            live |= reads
    return tuple(reversed(kept)), frozenset(live)


@lru_cache(maxsize=1 << 17)
def prune(algorithm: Algorithm) -> Algorithm:
    """The same function without the instructions that cannot change any prediction."""
    predict_in: frozenset[int] = frozenset()
    learn_in: frozenset[int] = frozenset()
    while True:
        new_learn_in = _prune(algorithm.learn, predict_in)[1] - BOUNDARY
        predict_out = new_learn_in | predict_in | {_KIND["s"] + PREDICTION}
        new_predict_in = _prune(algorithm.predict, predict_out)[1] - BOUNDARY
        if new_learn_in == learn_in and new_predict_in == predict_in:
            break
        learn_in, predict_in = new_learn_in, new_predict_in
    predict = _prune(algorithm.predict, predict_in | learn_in | {_KIND["s"] + PREDICTION})[0]
    return Algorithm(
        _prune(algorithm.setup, predict_in)[0], predict, _prune(algorithm.learn, predict_in)[0]
    )


@lru_cache(maxsize=1 << 17)
def _encode(body: tuple[Instruction, ...]) -> np.ndarray:
    """A component function as rows of (op, in1, in2, out, d0, d1, d2)."""
    rows = np.zeros((len(body), 7))
    for i, ins in enumerate(body):
        rows[i, :4] = ins[:4]
        rows[i, 4 : 4 + len(ins.data)] = ins.data
    return rows


@dataclass
class Group:
    """One op over the rows of the members that run it at this step (flat memory indices)."""

    fn: Fn
    inputs: str
    output: str
    in1: torch.Tensor | None
    in2: torch.Tensor | None
    out: torch.Tensor
    data: torch.Tensor | None
    reads_old: bool


def compile_component(
    bodies: list[tuple[Instruction, ...]], tasks: int, sizes: dict[str, int], device="cpu"
) -> list[list[Group]]:
    """The steps of one component function for ``len(bodies)`` members x ``tasks`` tasks.

    Row ``r`` is member ``r // tasks`` on task ``r % tasks``; address ``a`` of kind ``k`` in
    row ``r`` is flat index ``r * sizes[k] + a``.
    """
    length = max((len(body) for body in bodies), default=0)
    table = np.zeros((len(bodies), length, 7))  # op 0 (no-op) pads the shorter ones
    for member, body in enumerate(bodies):
        if body:
            table[member, : len(body)] = _encode(body)
    offsets = np.arange(tasks)
    steps = []
    for j in range(length):
        column = table[:, j]
        codes = column[:, 0].astype(np.int64)
        groups = []
        for code in np.unique(codes):
            if code == 0:
                continue
            op = OPS[code]
            members = np.nonzero(codes == code)[0]
            rows = (members[:, None] * tasks + offsets).ravel()
            picked = np.repeat(column[members], tasks, axis=0)

            def flat(kind: str, field: int, _rows=rows, _picked=picked) -> torch.Tensor:
                index = _rows * sizes[kind] + _picked[:, field].astype(np.int64)
                return torch.from_numpy(index).to(device)

            groups.append(
                Group(
                    fn=op.fn,
                    inputs=op.inputs,
                    output=op.output,
                    in1=flat(op.inputs[0], 1) if op.inputs else None,
                    in2=flat(op.inputs[1], 2) if len(op.inputs) > 1 else None,
                    out=flat(op.output, 3),
                    data=torch.from_numpy(picked[:, 4:]).to(device) if op.data else None,
                    reads_old=code in TAKES_OLD,
                )
            )
        steps.append(groups)
    return steps
