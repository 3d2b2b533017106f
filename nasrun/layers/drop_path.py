"""Drop-path (Larsson et al., "FractalNet", ICLR 2017), as NASNet and DARTS regularise cells."""

from __future__ import annotations

import torch


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zeroes each sample's branch with probability ``drop_prob``, rescaling the kept ones so
    that the expected output is unchanged."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.size(0), 1, 1, 1, device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x * mask / keep
