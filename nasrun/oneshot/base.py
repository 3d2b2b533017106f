"""What a one-shot (weight-sharing) searcher is: the algorithm only.

A searcher says how one step trains the supernet and its architecture parameters, what it
does at the end of an epoch, how it scores the supernet and which architecture it derives
(the optimiser/trainer split of NASLib, Ruchte et al. 2020; DARTS' ``architect.py``). The
runner, :class:`nasrun.search.OneShotSearch`, owns the epochs, the data order, the records and
the checkpoints, and hands the searcher a :class:`~nasrun.training.WeightOptimiser` for the
shared weights.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import torch

from nasrun.data import Split
from nasrun.spaces import Arch, Supernet
from nasrun.training import DivergedError, WeightOptimiser

Batch = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class SearchData:
    """DARTS' split of the training data: one half trains the weights, the other the
    architecture (or is held out to choose paths); ``valid`` is only scored."""

    weights: Split
    arch: Split
    valid: Split

    @classmethod
    def halving(cls, train: Split, valid: Split) -> SearchData:
        middle = len(train) // 2
        return cls(
            Split(train.x[:middle], train.y[:middle]),
            Split(train.x[middle:], train.y[middle:]),
            valid,
        )


#: Offsets the global generator's epoch seeds from the epoch generators' (a different stream).
GLOBAL_STREAM = 2**40


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """The generator of one epoch's data order and sampling: seeded from (seed, epoch), so a
    resumed search replays no random state and still ends where an uninterrupted one does.

    Torch's global generator is seeded from (seed, epoch) too, a stream apart: dropout (the
    MobileNet classifier's) draws from it, and it used to continue from whatever the process
    had drawn before, which is not the same from one run to the next: one seed gave a different
    search each time, and a resumed search another again."""
    torch.manual_seed(GLOBAL_STREAM + seed * 100_003 + epoch)
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


def train_steps(
    searcher: OneShotSearcher,
    weights_half: Split,
    arch_half: Split | None,
    batch_size: int,
    generator: torch.Generator,
) -> float:
    """Feeds ``searcher`` one epoch of batches, drawn in ``generator``'s order (with a batch of
    ``arch_half`` beside each when it takes one); returns the mean loss, and raises
    :class:`DivergedError` when it is not finite."""
    batches = weights_half.batches(batch_size, generator)
    if searcher.arch_batches:  # the halves differ by at most one example
        pairs = zip(batches, arch_half.batches(batch_size, generator), strict=False)
    else:
        pairs = ((batch, None) for batch in batches)
    total, steps = 0.0, 0
    for batch, arch_batch in pairs:
        total, steps = total + searcher.step(batch, arch_batch, generator).detach(), steps + 1
    loss = float(total) / max(1, steps)  # one host sync per epoch, not per step
    if not math.isfinite(loss):
        raise DivergedError(f"the supernet's training loss became {loss}")
    return loss


@torch.no_grad()
def accuracy(supernet: Supernet, split: Split, batch_size: int = 512, **mode: Any) -> float:
    """Top-1 accuracy of the supernet in one forward mode (``arch=``, ``weights=`` or mixed)."""
    supernet.eval()
    correct = 0
    for x, y in split.batches(batch_size):
        correct += (supernet(x, **mode).argmax(1) == y).sum().item()
    return correct / len(split)


class OneShotSearcher(ABC):
    """Base class: subclasses implement ``step`` and ``derive``, and may override the rest."""

    name = ""
    #: Whether ``step`` takes a batch of the architecture's half beside the weights' batch.
    arch_batches = False

    def setup(
        self, supernet: Supernet, weights: WeightOptimiser, seed: int, batch_size: int
    ) -> None:
        """Called once before the first epoch (and before a checkpoint is loaded); end-of-epoch
        work batches its data by ``batch_size`` as the steps do."""
        self.supernet, self.weights = supernet, weights
        self.seed, self.batch_size = seed, batch_size
        self.epoch, self.epochs = 0, 0

    def start_epoch(self, epoch: int, epochs: int) -> None:
        """Called before each epoch (``epoch`` counts from 1 of ``epochs``)."""
        self.epoch, self.epochs = epoch, epochs

    @abstractmethod
    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        """One training step on ``batch`` (and ``arch_batch``); returns the weights' loss."""

    def end_epoch(self, data: SearchData, generator: torch.Generator) -> None:
        """Work after an epoch's steps (e.g. ENAS' controller, SPOS' path sampling)."""
        return None

    @abstractmethod
    def derive(self) -> Arch:
        """The architecture the search currently prefers."""

    def score(self, data: SearchData) -> float:
        """The supernet's validation accuracy as this method sees it (default: the mixture)."""
        return accuracy(self.supernet, data.valid)

    def state_dict(self) -> dict[str, Any]:
        """The searcher's own state (the supernet and weight optimiser are saved beside it)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class AlphaOptimiserSearcher(OneShotSearcher):
    """A searcher whose alphas have an optimiser of their own (``self.arch_optimizer``, a
    factory): it is built in ``setup`` as ``self.a_opt`` and kept in the checkpoint; the
    architecture is the supernet's strongest choices."""

    arch_optimizer: Any

    def trained_alphas(self, supernet: Supernet) -> list[torch.nn.Parameter]:
        """The parameters ``a_opt`` trains (default: every architecture parameter)."""
        return supernet.arch_parameters()

    def setup(
        self, supernet: Supernet, weights: WeightOptimiser, seed: int, batch_size: int
    ) -> None:
        super().setup(supernet, weights, seed, batch_size)
        self.a_opt = self.arch_optimizer(self.trained_alphas(supernet))

    def derive(self) -> Arch:
        return self.supernet.derive()

    def state_dict(self) -> dict[str, Any]:
        return {"a_opt": self.a_opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.a_opt.load_state_dict(state["a_opt"])
