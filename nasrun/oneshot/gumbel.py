"""Gumbel-softmax samples of architecture weights, shared by GDAS and SNAS.

Jang et al., "Categorical reparameterization with Gumbel-softmax" (ICLR 2017); Maddison et al.,
"The concrete distribution" (ICLR 2017). The noise is drawn from the runner's per-epoch
generator, so a resumed search draws what an uninterrupted one would.
"""

from __future__ import annotations

import torch


def gumbel_softmax(
    logits: torch.Tensor, tau: float, generator: torch.Generator, hard: bool = False
) -> torch.Tensor:
    """A relaxed one-hot sample per row of ``logits`` at temperature ``tau``.

    ``hard=True`` returns the one-hot argmax in the forward pass with the relaxed sample's
    gradient (straight-through, GDAS); otherwise the relaxed sample itself (SNAS).
    """
    uniform = torch.rand(logits.shape, generator=generator).to(logits.device)
    gumbel = -torch.log(-torch.log(uniform.clamp(1e-9, 1 - 1e-9)))
    soft = torch.softmax((logits + gumbel) / tau, dim=-1)
    if not hard:
        return soft
    one_hot = torch.nn.functional.one_hot(soft.argmax(-1), soft.shape[-1]).to(soft.dtype)
    return one_hot - soft.detach() + soft
