"""Runs many algorithms on many tasks at once: the AutoML-Zero evaluation (Real et al. 2020,
Section 3; the authors' ``executor.h``), batched over population members x tasks.

Learn is sequential over examples, so a batch advances one example at a time: every row
(member, task) runs Setup once, then Predict and Learn for each training example, then Predict
for each validation example. Fitness per task is 1 - (2/pi) atan(RMS error) (``FlipAndSquash``)
or, for binary classification, the accuracy of sigmoid(prediction); a row whose prediction
error is NaN or above ``max_abs_error`` scores 0 (the authors' early stop); a member's fitness
is the mean over tasks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from nasrun.automl_zero.algorithm import Algorithm, Instruction
from nasrun.automl_zero.compile import Group, compile_component, prune
from nasrun.automl_zero.mutation import Memory
from nasrun.automl_zero.ops import FEATURES, LABEL, PREDICTION
from nasrun.automl_zero.tasks import TaskBatch


class _State:
    """Flat memory of all rows: scalars (B*S,), vectors (B*V, F), matrices (B*M, F, F)."""

    def __init__(self, rows: int, memory: Memory, features: int, device) -> None:
        kw = {"dtype": torch.float64, "device": device}
        self.s = torch.zeros(rows, memory.scalars, **kw)
        self.v = torch.zeros(rows, memory.vectors, features, **kw)
        self.m = torch.zeros(rows, max(1, memory.matrices), features, features, **kw)
        self._views(features)

    def _views(self, features: int) -> None:
        self.flat = {
            "s": self.s.view(-1),
            "v": self.v.view(-1, features),
            "m": self.m.view(-1, features, features),
        }

    def run(self, steps: list[list[Group]], gen: torch.Generator) -> None:
        flat = self.flat
        for groups in steps:
            for g in groups:
                a = flat[g.inputs[0]].index_select(0, g.in1) if g.in1 is not None else None
                b = flat[g.inputs[1]].index_select(0, g.in2) if g.in2 is not None else None
                target = flat[g.output]
                old = target.index_select(0, g.out) if g.reads_old else None
                target.index_copy_(0, g.out, g.fn(a, b, old, g.data, gen))


@dataclass
class Evaluator:
    """Scores algorithms over ``memory``; ``max_abs_error`` as the authors' (100)."""

    memory: Memory
    max_abs_error: float = 100.0
    device: str = "cpu"

    def execute(
        self,
        body: Sequence[Instruction],
        s: torch.Tensor,
        v: torch.Tensor,
        m: torch.Tensor,
        seed: int = 0,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Runs the instructions ``body`` once on memory rows ``s`` (R, S), ``v`` (R, V, F) and
        ``m`` (R, M, F, F); returns the memory after them (the inputs are not changed)."""
        state = _State.__new__(_State)
        state.s, state.v, state.m = s.clone(), v.clone(), m.clone()
        state._views(v.shape[-1])
        sizes = {"s": s.shape[1], "v": v.shape[1], "m": m.shape[1]}
        steps = compile_component([tuple(body)] * len(s), 1, sizes, self.device)
        state.run(steps, torch.Generator(device=self.device).manual_seed(seed))
        return state.s, state.v, state.m

    def fitness(
        self, algorithms: Sequence[Algorithm], tasks: TaskBatch, seed: int = 0
    ) -> list[float]:
        """Each algorithm's fitness, the mean over ``tasks``."""
        per_task, _ = self.run(algorithms, tasks, seed)
        return per_task.mean(dim=1).tolist()

    def run(
        self, algorithms: Sequence[Algorithm], tasks: TaskBatch, seed: int = 0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-task fitness (K, T), and every prediction made (K, T, train + valid): the
        training predictions before each Learn, then the validation predictions."""
        k, t = len(algorithms), len(tasks)
        if k == 0:
            return torch.zeros(0, t, dtype=torch.float64), torch.zeros(0, t, 0, dtype=torch.float64)
        features = tasks.train_x.shape[-1]
        programs = [prune(a) for a in algorithms]
        sizes = {"s": self.memory.scalars, "v": self.memory.vectors,
                 "m": max(1, self.memory.matrices)}  # fmt: skip
        setup, predict, learn = (
            compile_component([p[i] for p in programs], t, sizes, self.device) for i in range(3)
        )
        gen = torch.Generator(device=self.device).manual_seed(seed)
        state = _State(k * t, self.memory, features, self.device)
        state.run(setup, gen)
        train_x, train_y, valid_x, valid_y = (
            z.to(self.device).transpose(0, 1).repeat(1, k, *[1] * (z.dim() - 2))
            for z in (tasks.train_x, tasks.train_y, tasks.valid_x, tasks.valid_y)
        )  # (N, K*T, ...): example n of every row, row = member * T + task
        rows = k * t
        worst = torch.zeros(rows, dtype=torch.float64, device=self.device)
        predictions = torch.empty(len(train_x) + len(valid_x), rows, dtype=torch.float64)
        s, v = state.s, state.v
        for n in range(len(train_x)):
            v[:, FEATURES].copy_(train_x[n])
            s[:, LABEL].zero_()
            state.run(predict, gen)
            if tasks.accuracy:
                s[:, PREDICTION].sigmoid_()
            prediction = s[:, PREDICTION]
            predictions[n] = prediction
            worst = torch.maximum(worst, (train_y[n] - prediction).abs())
            s[:, LABEL].copy_(train_y[n])
            state.run(learn, gen)
        loss = torch.zeros(rows, dtype=torch.float64, device=self.device)
        for n in range(len(valid_x)):
            v[:, FEATURES].copy_(valid_x[n])
            s[:, LABEL].zero_()
            state.run(predict, gen)
            prediction = s[:, PREDICTION]
            predictions[len(train_x) + n] = prediction
            if tasks.accuracy:
                probability = torch.sigmoid(prediction)
                wrong = ((valid_y[n] > 0.5) != (probability > 0.5)).to(torch.float64)
                loss += torch.where(probability.isnan(), math.inf, wrong)
                worst = torch.maximum(worst, torch.where(probability.isnan(), math.inf, wrong))
            else:
                error = valid_y[n] - prediction
                loss += error * error
                worst = torch.maximum(worst, error.abs())
        loss /= len(valid_x)
        fit = 1.0 - loss if tasks.accuracy else 1.0 - 2.0 / math.pi * torch.atan(loss.sqrt())
        ok = (worst <= self.max_abs_error) & fit.isfinite()
        fit = torch.where(ok, fit, torch.zeros_like(fit))
        return fit.view(k, t).cpu(), predictions.T.reshape(k, t, -1)
