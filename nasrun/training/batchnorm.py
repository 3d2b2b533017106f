"""Batch-norm statistics that match the weights being scored.

Running averages lag the weights: after a few dozen steps (a low-fidelity estimate) they still
mostly hold their initial values, and eval-mode accuracy falls to chance while batch statistics
would score well; shared-weight supernets have the further problem that every path updates the
same averages (Guo et al., SPOS, ECCV 2020). Both are fixed by re-estimating them as the plain
mean over a few training batches just before scoring ("precise BN", Wu & Johnson 2021).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn


def _norms(model: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [
        m
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
    ]


@torch.no_grad()
def recalibrate_batchnorm(
    model: nn.Module,
    batches: Iterable[torch.Tensor],
    forward: Callable[[torch.Tensor], object] | None = None,
) -> None:
    """Replaces the running statistics of ``model``'s batch norms by their mean over ``batches``
    (inputs only), run through ``forward`` (default: ``model``).

    Only the batch norms are put in training mode, so drop-path, dropout and auxiliary heads
    stay as in evaluation; a batch norm no batch reaches keeps the statistics it had.
    """
    norms = _norms(model)
    saved = [_state(m) for m in norms]
    was_training = model.training
    model.eval()
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches
        m.train()
    for x in batches:
        (forward or model)(x)
    for m, (mean, var, count, momentum) in zip(norms, saved, strict=True):
        m.momentum = momentum
        if int(m.num_batches_tracked) == 0:
            m.running_mean.copy_(mean), m.running_var.copy_(var)
            m.num_batches_tracked.copy_(count)
    model.train(was_training)


@contextmanager
def batchnorm_kept(model: nn.Module) -> Iterator[None]:
    """Restores the batch norms' running statistics on exit (to score one path of a supernet
    with statistics of its own, and leave the shared ones as they were)."""
    norms = _norms(model)
    saved = [_state(m) for m in norms]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (mean, var, count, momentum) in zip(norms, saved, strict=True):
                m.running_mean.copy_(mean), m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)
                m.momentum = momentum


def _state(m: nn.modules.batchnorm._BatchNorm) -> tuple:
    return (
        m.running_mean.clone(),
        m.running_var.clone(),
        m.num_batches_tracked.clone(),
        m.momentum,
    )
