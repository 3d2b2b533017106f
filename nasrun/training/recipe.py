"""What a network may ask of the trainer beyond "minimise the cross-entropy of my logits".

DARTS' evaluation network has a recipe of its own: a drop-path probability that grows over
training, and an auxiliary head whose weighted loss is added (Szegedy et al. 2015; Liu et al.
2019). Networks declare it by implementing this protocol; the trainer checks for it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class TrainingRecipe(Protocol):
    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Called before each training epoch (``epoch`` counts from 0 of ``epochs``)."""

    def auxiliary_loss(
        self, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], targets: torch.Tensor
    ) -> torch.Tensor | None:
        """The weighted extra loss of the latest training forward pass, or ``None``."""
