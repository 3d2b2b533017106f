"""DARTS: differentiable architecture search (Liu, Simonyan & Yang, ICLR 2019)."""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from nasrun.errors import NasrunError
from nasrun.oneshot.base import AlphaOptimiserSearcher, Batch
from nasrun.training.optimiser import OptimizerFactory


class DartsSearcher(AlphaOptimiserSearcher):
    """Continuous relaxation of the space (softmax over each choice's alphas), optimised by
    alternating steps: alphas on a batch of the architecture's half of the training data
    (``arch_optimizer``, DARTS' Adam), then the weights on a batch of the other half.

    ``order=1`` is first-order DARTS; ``order=2`` takes the alpha gradient through one unrolled
    weight step, with the Hessian-vector product approximated by finite differences, as the paper.
    PC-DARTS (Xu et al., ICLR 2020) is this searcher on a supernet with partial channels.
    """

    name = "darts"
    arch_batches = True

    def __init__(self, order: int = 1, arch_optimizer: OptimizerFactory | None = None) -> None:
        if order not in (1, 2):
            raise NasrunError("search.order must be 1 (first order) or 2 (second order)")
        self.order = order
        self.arch_optimizer = arch_optimizer or partial(
            torch.optim.Adam, lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3
        )
        self.loss_fn = nn.CrossEntropyLoss()

    def mixing(self, generator: torch.Generator) -> dict[str, Any]:
        """Forward-mode arguments for training steps (DARTS: the plain softmax mixture)."""
        return {}

    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        (xt, yt), (xv, yv) = batch, arch_batch
        if self.order == 2:
            self._unrolled_arch_step(xt, yt, xv, yv)
        else:
            self.a_opt.zero_grad(set_to_none=True)
            self.loss_fn(self.supernet(xv, **self.mixing(generator)), yv).backward()
            self.a_opt.step()
        loss = self.loss_fn(self.supernet(xt, **self.mixing(generator)), yt)
        self.weights.step(loss)
        return loss

    def _unrolled_arch_step(self, xt, yt, xv, yv) -> None:
        net, alphas = self.supernet, self.supernet.arch_parameters()
        names = [n for n, p in net.named_parameters() if all(p is not a for a in alphas)]
        weights = [net.get_parameter(n) for n in names]
        sgd = self.weights.settings
        lr = sgd["lr"]
        # w' = w - lr * (momentum buffer + dL_train/dw + weight decay), as SGD would step.
        grads = _grad(self.loss_fn(net(xt), yt), weights)
        unrolled = []
        for w, g in zip(weights, grads, strict=True):
            buffer = self.weights.momentum_buffer(w)
            step = (
                g
                + sgd["weight_decay"] * w
                + (sgd["momentum"] * buffer if buffer is not None else 0)
            )
            unrolled.append((w - lr * step).detach().requires_grad_(True))
        val_loss = self.loss_fn(
            functional_call(net, dict(zip(names, unrolled, strict=True)), (xv,)), yv
        )
        grad_alpha = _grad(val_loss, alphas, retain_graph=True)
        grad_w = _grad(val_loss, unrolled)
        # Hessian-vector product by central differences around w (eq. 8 of the paper).
        eps = 0.01 / torch.sqrt(sum((g * g).sum() for g in grad_w)).clamp_min(1e-12)

        def alpha_grad_at(sign: float):
            shifted = {
                n: (w + sign * eps * g).detach()
                for n, w, g in zip(names, weights, grad_w, strict=True)
            }
            return _grad(self.loss_fn(functional_call(net, shifted, (xt,)), yt), alphas)

        plus, minus = alpha_grad_at(1.0), alpha_grad_at(-1.0)
        self.a_opt.zero_grad(set_to_none=True)
        for alpha, g, gp, gm in zip(alphas, grad_alpha, plus, minus, strict=True):
            alpha.grad = g - lr * (gp - gm) / (2 * eps)
        self.a_opt.step()


def _grad(
    loss: torch.Tensor, tensors: list[torch.Tensor], retain_graph: bool = False
) -> list[torch.Tensor]:
    """Gradients with zeros for tensors the loss does not use (e.g. ops outside the op list)."""
    grads = torch.autograd.grad(loss, tensors, retain_graph=retain_graph, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(tensors, grads, strict=True)]
