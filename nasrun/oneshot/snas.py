"""SNAS: stochastic neural architecture search (Xie, Zheng, Liu & Lin, ICLR 2019)."""

from __future__ import annotations

from functools import partial

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from nasrun.errors import NasrunError
from nasrun.oneshot.base import AlphaOptimiserSearcher, Batch, SearchData, accuracy
from nasrun.oneshot.gumbel import gumbel_softmax
from nasrun.spaces import Supernet
from nasrun.training.optimiser import OptimizerFactory

RESOURCES = ("flops", "params")


class SnasSearcher(AlphaOptimiserSearcher):
    """Samples a relaxed one-hot choice per decision by Gumbel-softmax at a temperature that
    anneals exponentially (``tau_initial * tau_decay ** (epoch - 1)``) and trains the shared
    weights and the architecture distribution on the same loss in one backward pass (SNAS is
    single-level: no held-out architecture half, unlike DARTS).

    The loss adds SNAS' resource constraint, ``resource_weight`` times the cost of the sampled
    network: each candidate op's ``resource`` (``flops`` or ``params``), measured once on the
    supernet itself, weighted by the sample. The cost is linear in the sample, so its gradient
    reaches the architecture parameters through the Gumbel-softmax (the paper's treatment of
    parameter count and FLOPs). It is scaled so that the costliest path costs 1.
    """

    name = "snas"

    def __init__(
        self,
        tau_initial: float = 1.0,
        tau_decay: float = 0.97,
        resource_weight: float = 0.0,
        resource: str = "flops",
        arch_optimizer: OptimizerFactory | None = None,
    ) -> None:
        if resource not in RESOURCES:
            raise NasrunError(f"search.searcher.resource must be one of {list(RESOURCES)}")
        if tau_initial <= 0 or not 0 < tau_decay <= 1 or resource_weight < 0:
            raise NasrunError(
                "search=snas needs tau_initial > 0, 0 < tau_decay <= 1 and resource_weight >= 0"
            )
        self.tau_initial, self.tau_decay = tau_initial, tau_decay
        self.resource_weight, self.resource = resource_weight, resource
        self.arch_optimizer = arch_optimizer or partial(
            torch.optim.Adam, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3
        )
        self.loss_fn = nn.CrossEntropyLoss()

    def setup(self, supernet: Supernet, weights, seed: int, batch_size: int) -> None:
        super().setup(supernet, weights, seed, batch_size)
        self.costs: list[torch.Tensor] | None = None  # measured on the first batch's shape

    def tau(self) -> float:
        return self.tau_initial * self.tau_decay ** max(0, self.epoch - 1)

    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        x, y = batch
        alphas = self.supernet.mixing_parameters()
        samples = [gumbel_softmax(alpha, self.tau(), generator) for alpha in alphas]
        loss = self.loss_fn(self.supernet(x, weights=samples), y)
        total = loss
        if self.resource_weight > 0:
            if self.costs is None:
                self.costs = op_costs(self.supernet, tuple(x.shape[1:]), self.resource)
            total = loss + self.resource_weight * resource_cost(samples, self.costs)
        self.a_opt.zero_grad(set_to_none=True)
        self.weights.step(total)  # one backward: the alphas' gradients come with it
        self.a_opt.step()
        return loss

    def score(self, data: SearchData) -> float:
        return accuracy(self.supernet, data.valid, arch=self.derive())


def resource_cost(samples: list[torch.Tensor], costs: list[torch.Tensor]) -> torch.Tensor:
    """The sampled network's cost: each choice's cost weighted by its (relaxed) sample."""
    return sum((z * c.to(z)).sum() for z, c in zip(samples, costs, strict=True))


@torch.no_grad()
def _measure(supernet: Supernet, x: torch.Tensor, mixes: list[torch.Tensor], resource: str) -> int:
    if resource == "flops":
        with FlopCounterMode(display=False) as counter:
            supernet(x, weights=mixes)
        return int(counter.get_total_flops())
    with torch.enable_grad():  # the weights an op uses are those its backward reaches
        supernet.zero_grad(set_to_none=True)
        supernet(x, weights=mixes).sum().backward()
    used = sum(p.numel() for p in supernet.weight_parameters() if p.grad is not None)
    supernet.zero_grad(set_to_none=True)
    return used


def op_costs(supernet: Supernet, input_shape: tuple[int, ...], resource: str) -> list[torch.Tensor]:
    """Per mixing group, the ``resource`` of each candidate op, shaped like its alphas: the
    extra cost of choosing it over the row's cheapest choice, scaled so that the costliest
    single path costs 1 (a constant per row would not change the gradient: a sample's row
    sums to 1).

    Measured on the supernet itself: a reference path (every row's first choice), then that
    path with one row switched to each other choice; so it holds for any space's supernet and
    any op without a cost table. Where choices interact (a hierarchical cell's motif costs
    depend on that motif's own ops) the costs are those around the reference path.
    """
    alphas = supernet.mixing_parameters()
    device, was_training = alphas[0].device, supernet.training
    x = torch.randn(1, *input_shape, generator=torch.Generator().manual_seed(0)).to(device)
    reference = [torch.zeros_like(a.detach()) for a in alphas]
    for mix in reference:
        mix[..., 0] = 1.0
    supernet.eval()
    try:
        base = _measure(supernet, x, reference, resource)
        costs = []
        for g, alpha in enumerate(alphas):
            cost = torch.zeros(alpha.shape)
            rows, width = cost.view(-1, alpha.shape[-1]), alpha.shape[-1]
            for row in range(rows.shape[0]):
                for choice in range(1, width):
                    switched = [m.clone() for m in reference]
                    flat = switched[g].view(-1, width)
                    flat[row, 0], flat[row, choice] = 0.0, 1.0
                    rows[row, choice] = _measure(supernet, x, switched, resource) - base
            costs.append(cost - cost.amin(-1, keepdim=True))
    finally:
        supernet.train(was_training)
    costliest = sum(float(c.amax(-1).sum()) for c in costs)
    return [c / max(costliest, 1.0) for c in costs]
