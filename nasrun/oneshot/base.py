"""The shared loop of every one-shot (weight-sharing) searcher: epochs, records, checkpoints.

A searcher only says how one epoch trains the supernet and its architecture parameters, how
it scores the supernet, and which architecture it currently derives. This loop runs the
epochs, leaves one Optuna trial per epoch (so results tables, reports, resume and dashboards
work as for any search), and checkpoints everything after each epoch: a re-run of the same
command continues after the last finished epoch and ends exactly where an uninterrupted run
would (per-epoch generators are seeded from (seed, epoch), so no RNG state is carried).
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import torch

from nasrun.data import DataModule, Split
from nasrun.spaces import Arch, SearchSpace, Supernet
from nasrun.training import count_flops, count_params


def halves(split: Split) -> tuple[Split, Split]:
    """DARTS' split of the training data: one half trains weights, the other the architecture."""
    middle = len(split) // 2
    return Split(split.x[:middle], split.y[:middle]), Split(split.x[middle:], split.y[middle:])


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


def mean_entropy(supernet: Supernet) -> float:
    """Mean entropy (nats) of the softmax over each group of architecture weights."""
    entropies = []
    for alpha in supernet.arch_parameters():
        p = torch.softmax(
            alpha.detach().float().flatten(0, -2) if alpha.dim() > 1 else alpha.detach()[None], -1
        )
        entropies.append(-(p * p.clamp_min(1e-12).log()).sum(-1).mean().item())
    return sum(entropies) / max(1, len(entropies))


@torch.no_grad()
def accuracy(supernet: Supernet, split: Split, batch_size: int = 512, **mode: Any) -> float:
    supernet.eval()
    correct = 0
    for x, y in split.batches(batch_size):
        correct += (supernet(x, **mode).argmax(1) == y).sum().item()
    return correct / len(split)


class OneShotSearcher(ABC):
    """Base class: subclasses implement ``setup``, ``train_epoch``, ``score`` and ``derive``."""

    name = ""

    def __init__(
        self,
        epochs: int = 50,
        batch_size: int = 64,
        w_lr: float = 0.025,
        w_lr_min: float = 0.001,
        w_momentum: float = 0.9,
        w_weight_decay: float = 3e-4,
        grad_clip: float = 5.0,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.w_lr, self.w_lr_min = w_lr, w_lr_min
        self.w_momentum, self.w_weight_decay = w_momentum, w_weight_decay
        self.grad_clip = grad_clip

    # -- what each method defines -------------------------------------------------------------

    def setup(self, supernet: Supernet, seed: int) -> None:
        """Creates optimisers; the default is DARTS' SGD with a cosine schedule for the weights."""
        self.supernet, self.seed = supernet, seed
        self.w_opt = torch.optim.SGD(
            supernet.weight_parameters(),
            self.w_lr,
            momentum=self.w_momentum,
            weight_decay=self.w_weight_decay,
        )
        self.w_schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.w_opt, self.epochs, eta_min=self.w_lr_min
        )

    @abstractmethod
    def train_epoch(self, epoch: int, data: DataModule) -> float:
        """One epoch of training; returns the mean training loss."""

    @abstractmethod
    def derive(self) -> Arch:
        """The architecture the search currently prefers."""

    def score(self, data: DataModule) -> float:
        """The supernet's validation accuracy as this method sees it (default: the mixture)."""
        return accuracy(self.supernet, data.valid)

    def state_dict(self) -> dict[str, Any]:
        return {"w_opt": self.w_opt.state_dict(), "w_schedule": self.w_schedule.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.w_opt.load_state_dict(state["w_opt"])
        self.w_schedule.load_state_dict(state["w_schedule"])

    # -- shared helpers -----------------------------------------------------------------------

    def weight_step(self, loss: torch.Tensor) -> None:
        self.w_opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(self.supernet.weight_parameters()), self.grad_clip)
        self.w_opt.step()

    # -- the loop -------------------------------------------------------------------------------

    def search(
        self,
        supernet: Supernet,
        space: SearchSpace,
        data: DataModule,
        study: optuna.Study,
        checkpoint: Path,
        seed: int = 0,
        seconds: float | None = None,
        on_epoch: Callable[[int, float], None] | None = None,
    ) -> Arch:
        """Runs (or resumes) the search; returns the derived architecture."""
        self.setup(supernet, seed)
        start_epoch = self._resume(checkpoint)
        started = time.perf_counter()
        for epoch in range(start_epoch + 1, self.epochs + 1):
            epoch_start = time.perf_counter()
            supernet.train()
            loss = self.train_epoch(epoch, data)
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"{self.name}: the supernet's loss became {loss} in epoch {epoch}"
                )
            self.w_schedule.step()
            arch = self.derive()
            value = self.score(data)
            self._record(
                study, space, data, epoch, arch, value, loss, time.perf_counter() - epoch_start
            )
            self._save(checkpoint, epoch)
            if on_epoch is not None:
                on_epoch(epoch, value)
            if seconds is not None and time.perf_counter() - started > seconds:
                break
        return self.derive()

    def _record(self, study, space, data, epoch, arch, value, loss, seconds) -> None:
        # One trial per epoch, with the derived architecture as its parameters (enqueue, then ask).
        study.enqueue_trial(space.to_params(arch), skip_if_exists=False)
        trial = study.ask()
        space.suggest(trial)
        attrs = {
            "arch": space.to_string(arch),
            "epoch": epoch,
            "train_loss": loss,
            "entropy": mean_entropy(self.supernet),
            "cost_s": seconds,
            "fidelity": f"supernet_epoch={epoch}",
        }
        model = space.build(arch, data.num_classes, data.input_shape)
        attrs.update(params=count_params(model), flops=count_flops(model, data.input_shape))
        for key, item in attrs.items():
            trial.set_user_attr(key, item)
        study.tell(trial, value)

    def _save(self, checkpoint: Path, epoch: int) -> None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "epoch": epoch,
            "supernet": self.supernet.state_dict(),
            "searcher": self.state_dict(),
        }
        partial = checkpoint.with_suffix(".tmp")
        torch.save(state, partial)
        partial.replace(checkpoint)  # atomic: a kill mid-write leaves the previous epoch intact

    def _resume(self, checkpoint: Path) -> int:
        if not checkpoint.is_file():
            return 0
        state = torch.load(
            checkpoint, map_location=next(self.supernet.parameters()).device, weights_only=False
        )
        self.supernet.load_state_dict(state["supernet"])
        self.load_state_dict(state["searcher"])
        return state["epoch"]
