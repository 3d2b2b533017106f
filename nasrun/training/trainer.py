"""The one training loop every estimator and searcher shares.

Data already lives on the device (see ``nasrun.data``); the loop adds mixed precision and
channels-last on CUDA, gradient clipping and a cosine schedule. A non-finite loss ends training
with :class:`DivergedError`, which the experiment records as a failed trial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import torch
from torch import nn

from nasrun.data import DataModule, Split


class DivergedError(RuntimeError):
    """Training produced a NaN or infinite loss."""


@dataclass
class EpochStats:
    epoch: int  # 1-based
    train_loss: float
    train_acc: float
    valid_acc: float
    seconds: float


@dataclass
class History:
    epochs: list[EpochStats] = field(default_factory=list)

    @property
    def last(self) -> EpochStats:
        return self.epochs[-1]


OnEpoch = Callable[[EpochStats], None]


class Trainer:
    """SGD-style training with a cosine learning-rate schedule over ``epochs``."""

    def __init__(
        self,
        epochs: int = 10,
        batch_size: int = 64,
        optimizer: Callable[..., torch.optim.Optimizer] | None = None,
        cosine_schedule: bool = True,
        grad_clip: float | None = 5.0,
        label_smoothing: float = 0.0,
        amp: bool = True,
        channels_last: bool = True,
        eval_batch_size: int = 1024,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer or partial(
            torch.optim.SGD, lr=0.05, momentum=0.9, weight_decay=3e-4
        )
        self.cosine_schedule = cosine_schedule
        self.grad_clip = grad_clip
        self.label_smoothing = label_smoothing
        self.amp = amp
        self.channels_last = channels_last
        self.eval_batch_size = eval_batch_size

    def fit(
        self,
        model: nn.Module,
        data: DataModule,
        *,
        epochs: int | None = None,
        train: Split | None = None,
        seed: int = 0,
        on_epoch: OnEpoch | None = None,
    ) -> History:
        """Trains ``model`` in place on ``train`` (default: the train split) and validates each epoch.

        ``on_epoch`` is called after every epoch; it may raise (e.g. ``optuna.TrialPruned``) to
        stop training early.
        """
        epochs = self.epochs if epochs is None else epochs
        train = data.train if train is None else train
        device = data.device
        model = self._prepare(model, device)
        optimizer = self.optimizer(model.parameters())
        steps = max(1, epochs * math.ceil(len(train) / self.batch_size))
        schedule = (
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
            if self.cosine_schedule
            else None
        )
        loss_fn = nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)
        generator = torch.Generator().manual_seed(seed)
        use_amp = self.amp and device.type == "cuda"
        history = History()
        # Hooks of networks with a training recipe of their own (nasrun.spaces.cell_network):
        # a per-epoch schedule (drop-path) and an auxiliary head whose loss is added.
        start_epoch = getattr(model, "start_epoch", None)
        aux_weight = getattr(model, "auxiliary_weight", 0.0)
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            if start_epoch is not None:
                start_epoch(epoch - 1, epochs)
            model.train()
            total_loss = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.int64)
            for x, y in train.batches(self.batch_size, generator):
                x = self._layout(data.train_transform(x, generator))
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                    logits = model(x)
                    loss = loss_fn(logits, y)
                    aux_logits = getattr(model, "last_aux_logits", None)
                    if aux_logits is not None:
                        loss = loss + aux_weight * loss_fn(aux_logits, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), self.grad_clip)
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                total_loss += loss.detach() * len(y)
                correct += (logits.argmax(1) == y).sum()
            train_loss = total_loss.item() / len(train)  # one sync per epoch, not per step
            if not math.isfinite(train_loss):
                raise DivergedError(f"training loss became {train_loss} in epoch {epoch}")
            stats = EpochStats(
                epoch=epoch,
                train_loss=train_loss,
                train_acc=correct.item() / len(train),
                valid_acc=self.accuracy(model, data.valid),
                seconds=time.perf_counter() - start,
            )
            history.epochs.append(stats)
            if on_epoch is not None:
                on_epoch(stats)
        return history

    @torch.no_grad()
    def accuracy(self, model: nn.Module, split: Split) -> float:
        """Top-1 accuracy of ``model`` on ``split``, as a fraction."""
        model.eval()
        use_amp = self.amp and split.x.device.type == "cuda"
        correct = torch.zeros((), device=split.x.device, dtype=torch.int64)
        for x, y in split.batches(self.eval_batch_size):
            with torch.autocast(split.x.device.type, dtype=torch.bfloat16, enabled=use_amp):
                correct += (model(self._layout(x)).argmax(1) == y).sum()
        return correct.item() / len(split)

    def _prepare(self, model: nn.Module, device: torch.device) -> nn.Module:
        model = model.to(device)
        if self.channels_last and device.type == "cuda":
            model = model.to(memory_format=torch.channels_last)
        return model

    def _layout(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last and x.device.type == "cuda":
            return x.contiguous(memory_format=torch.channels_last)
        return x
