"""The one weight-update step every training loop shares, and optimiser settings by name.

The trainer, the one-shot searches and the one-shot estimator all train weights the same way:
zero the gradients, back-propagate, clip the gradient norm, step, and anneal the learning rate
on a cosine (Loshchilov & Hutter, ICLR 2017). Each loop decides only what one unit of the
schedule is (a batch for the trainer, an epoch for DARTS' search, as its reference code does).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import torch
from torch import nn

from nasrun.errors import NasrunError

OptimizerFactory = Callable[..., torch.optim.Optimizer]

#: The optimisers a trial may name (``hpo.optimizer``).
OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
}


class WeightOptimiser:
    """An optimiser over ``parameters`` with gradient clipping and an optional cosine schedule
    of ``schedule_length`` units down to ``lr_min`` (SGDR without restarts, Loshchilov & Hutter
    2017). ``step(loss)`` updates the weights; ``advance()`` ends one unit of the schedule."""

    def __init__(
        self,
        parameters: Iterable[nn.Parameter],
        optimizer: OptimizerFactory,
        grad_clip: float | None = None,
        schedule_length: int | None = None,
        lr_min: float = 0.0,
    ) -> None:
        self.parameters = list(parameters)
        self.optimizer = fused_on_cuda(optimizer, self.parameters)(self.parameters)
        self.grad_clip = grad_clip
        self.schedule = (
            torch.optim.lr_scheduler.CosineAnnealingLR(
                self.optimizer, T_max=max(1, schedule_length), eta_min=lr_min
            )
            if schedule_length is not None
            else None
        )

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip:
            nn.utils.clip_grad_norm_(self.parameters, self.grad_clip)
        self.optimizer.step()

    def advance(self) -> None:
        if self.schedule is not None:
            self.schedule.step()

    @property
    def settings(self) -> dict[str, Any]:
        """The current learning rate, momentum and weight decay (DARTS' unrolled step reads
        them to take the step SGD would take)."""
        group = self.optimizer.param_groups[0]
        return {
            "lr": group["lr"],
            "momentum": group.get("momentum", 0.0),
            "weight_decay": group.get("weight_decay", 0.0),
        }

    def momentum_buffer(self, parameter: nn.Parameter) -> torch.Tensor | None:
        return self.optimizer.state.get(parameter, {}).get("momentum_buffer")

    def state_dict(self) -> dict[str, Any]:
        state = {"optimizer": self.optimizer.state_dict()}
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        if self.schedule is not None:
            self.schedule.load_state_dict(state["schedule"])


def fused_on_cuda(optimizer: OptimizerFactory, parameters: list[nn.Parameter]) -> OptimizerFactory:
    """``optimizer`` with torch's fused kernel (one launch updates every tensor, instead of a
    loop of small kernels) when the parameters are on CUDA and the class has one (SGD, Adam,
    AdamW), unless the config chose ``fused`` or ``foreach`` itself. Elsewhere unchanged: the
    CPU path is torch's default (foreach where it helps)."""
    cls = getattr(optimizer, "func", optimizer)
    chosen = set(getattr(optimizer, "keywords", {}))
    if (
        not parameters
        or not all(p.is_cuda for p in parameters)
        or not isinstance(cls, type)
        or "fused" not in inspect.signature(cls).parameters
        or chosen & {"fused", "foreach"}
    ):
        return optimizer
    return partial(optimizer, fused=True)


def optimizer_with(current: OptimizerFactory, values: Mapping[str, Any]) -> partial:
    """``current`` (a ``partial`` optimiser factory) with a trial's settings in place of its own:
    ``lr``, ``weight_decay``, and ``optimizer`` by name (``sgd``, ``adam``, ``adamw``), for
    which only lr and weight decay carry over (SGD then takes ``momentum``, default 0.9, with
    Nesterov's update when it is positive)."""
    keywords = dict(getattr(current, "keywords", {}))
    name = values.get("optimizer")
    if name is None:  # not searched: keep the configured optimiser, change only its settings
        cls = getattr(current, "func", torch.optim.SGD)
    else:
        if name not in OPTIMIZERS:
            raise NasrunError(f"optimizer: unknown {name!r}; known: {list(OPTIMIZERS)}")
        cls = OPTIMIZERS[name]
        keywords = {k: v for k, v in keywords.items() if k in ("lr", "weight_decay")}
        if cls is torch.optim.SGD:
            momentum = values.get("momentum", 0.9)
            keywords.update(momentum=momentum, nesterov=momentum > 0)
    for key in ("lr", "weight_decay"):
        if key in values:
            keywords[key] = values[key]
    return partial(cls, **keywords)
