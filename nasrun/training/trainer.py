"""The one training loop every estimator shares (one-shot searches share its weight step).

Data already lives on the device (see ``nasrun.data``: raw bytes normalised and augmented
there per batch); the loop adds mixed precision, channels-last, cuDNN's autotuner and fused
optimiser kernels on CUDA, gradient clipping and a cosine schedule (:class:`WeightOptimiser`),
and re-estimates batch-norm statistics before each validation. Loss and accuracy add up on the
device: the host waits for it once per epoch, when they are read, never per step. A non-finite
loss ends training with :class:`DivergedError`, which the search records as a failed trial.

``compile`` runs the training forward pass through ``torch.compile`` (a mode name picks its
mode; ``reduce-overhead`` also captures CUDA graphs). Compiling costs tens of seconds per
network, so it is off by default: it pays for one-shot supernets and long final trainings,
not for candidates trained a few epochs each.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch
from torch import nn

from nasrun.data import DataModule, Split
from nasrun.errors import NasrunError
from nasrun.training.batchnorm import recalibrate_batchnorm
from nasrun.training.optimiser import OptimizerFactory, WeightOptimiser, optimizer_with
from nasrun.training.recipe import TrainingRecipe


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
#: What ``trainer.compile`` may be: off, on (torch.compile's default mode), or a mode by name.
COMPILE_MODES = (
    None,
    False,
    True,
    "default",
    "reduce-overhead",
    "max-autotune",
    "max-autotune-no-cudagraphs",
)


def generator_on(device: torch.device, seed: int) -> torch.Generator:
    """A random generator that draws on ``device`` (seeded: the same seed, the same draws)."""
    return torch.Generator(device=device).manual_seed(seed)


def check_compile(value: bool | str | None, key: str) -> bool | str | None:
    """``value`` if it is one of :data:`COMPILE_MODES`, else one ``NasrunError`` line."""
    if value not in COMPILE_MODES:
        modes = ", ".join(m for m in COMPILE_MODES if isinstance(m, str))
        raise NasrunError(f"{key} must be true, false or a mode ({modes}), got {value!r}")
    return value


class Trainer:
    """SGD-style training with a cosine learning-rate schedule over ``epochs`` (SGDR without
    restarts, Loshchilov & Hutter, ICLR 2017).

    Before each validation the batch-norm statistics are re-estimated on the first
    ``recalibrate_bn`` training examples (0: keep the running averages), so that a few epochs'
    estimate is not noise from lagging averages.
    """

    def __init__(
        self,
        epochs: int = 10,
        batch_size: int = 64,
        optimizer: OptimizerFactory | None = None,
        cosine_schedule: bool = True,
        grad_clip: float | None = 5.0,
        label_smoothing: float = 0.0,
        amp: bool = True,
        channels_last: bool = True,
        eval_batch_size: int = 1024,
        recalibrate_bn: int = 1024,
        compile: bool | str = False,
        cudnn_benchmark: bool = True,
    ) -> None:
        # Checked here, where the config is built: a bad value would otherwise fail every
        # trial the same way, one after another, until the failure budget ran out.
        for key, value, least in (
            ("epochs", epochs, 1),
            ("batch_size", batch_size, 1),
            ("eval_batch_size", eval_batch_size, 1),
            ("recalibrate_bn", recalibrate_bn, 0),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise NasrunError(f"trainer.{key} must be an integer >= {least}, got {value!r}")
        if grad_clip is not None and not grad_clip > 0:
            raise NasrunError(f"trainer.grad_clip must be positive or null, got {grad_clip!r}")
        check_compile(compile, "trainer.compile")
        if not 0 <= label_smoothing < 1:
            raise NasrunError(f"trainer.label_smoothing must be in [0, 1), got {label_smoothing!r}")
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
        self.recalibrate_bn = recalibrate_bn
        self.compile = compile
        self.cudnn_benchmark = cudnn_benchmark

    def with_hyperparameters(self, values: Mapping[str, Any]) -> Trainer:
        """A trainer with a trial's settings applied: ``lr``, ``weight_decay``, ``batch_size``
        and ``optimizer`` (``sgd``, ``adam``, ``adamw``; see :func:`optimizer_with`). Other keys
        (e.g. ``epochs``, which is the estimator's) are left to the caller."""
        tuned = copy.copy(self)
        if "batch_size" in values:
            tuned.batch_size = int(values["batch_size"])
        tuned.optimizer = optimizer_with(self.optimizer, values)
        return tuned

    def weight_optimiser(
        self, parameters: Iterable[nn.Parameter], schedule_length: int
    ) -> WeightOptimiser:
        """This trainer's optimiser, clipping and (when on) cosine schedule over ``parameters``."""
        length = schedule_length if self.cosine_schedule else None
        return WeightOptimiser(parameters, self.optimizer, self.grad_clip, length)

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
        forward = self._compiled(model)
        # Augmentation draws on the data's device: no host-to-device copy per step.
        augment_generator = generator_on(device, seed) if device.type == "cuda" else None
        steps = max(1, epochs * math.ceil(len(train) / self.batch_size))
        weights = self.weight_optimiser(model.parameters(), steps)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)
        generator = torch.Generator().manual_seed(seed)
        use_amp = self.amp and device.type == "cuda"
        history = History()
        # A network with a training recipe of its own (DARTS' evaluation network): a per-epoch
        # schedule (drop-path) and an auxiliary head whose loss is added.
        recipe = model if isinstance(model, TrainingRecipe) else None
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            if recipe is not None:
                recipe.start_epoch(epoch - 1, epochs)
            model.train()
            total_loss = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.int64)
            for x, y in train.batches(self.batch_size, generator):
                x = self._layout(data.train_transform(x, augment_generator or generator))
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                    logits = forward(x)
                    loss = loss_fn(logits, y)
                    extra = recipe.auxiliary_loss(loss_fn, y) if recipe is not None else None
                    if extra is not None:
                        loss = loss + extra
                weights.step(loss)
                weights.advance()
                total_loss += loss.detach() * len(y)
                correct += (logits.argmax(1) == y).sum()
            train_loss = total_loss.item() / len(train)  # one sync per epoch, not per step
            if not math.isfinite(train_loss):
                raise DivergedError(f"training loss became {train_loss} in epoch {epoch}")
            stats = EpochStats(
                epoch=epoch,
                train_loss=train_loss,
                train_acc=correct.item() / len(train),
                valid_acc=self._validate(model, train, data.valid),
                seconds=time.perf_counter() - start,
            )
            history.epochs.append(stats)
            if on_epoch is not None:
                on_epoch(stats)
        return history

    def _validate(self, model: nn.Module, train: Split, valid: Split) -> float:
        if self.recalibrate_bn > 0:
            use_amp = self.amp and train.device.type == "cuda"

            def forward(x: torch.Tensor) -> torch.Tensor:
                with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=use_amp):
                    return model(self._layout(x))

            calibration = train.head(min(1.0, self.recalibrate_bn / len(train)))
            recalibrate_batchnorm(
                model, (x for x, _ in calibration.batches(self.batch_size)), forward
            )
        return self.accuracy(model, valid)

    @torch.no_grad()
    def accuracy(self, model: nn.Module, split: Split) -> float:
        """Top-1 accuracy of ``model`` on ``split``, as a fraction."""
        model.eval()
        use_amp = self.amp and split.device.type == "cuda"
        correct = torch.zeros((), device=split.device, dtype=torch.int64)
        for x, y in split.batches(self.eval_batch_size):
            with torch.autocast(split.device.type, dtype=torch.bfloat16, enabled=use_amp):
                correct += (model(self._layout(x)).argmax(1) == y).sum()
        return correct.item() / len(split)

    def _prepare(self, model: nn.Module, device: torch.device) -> nn.Module:
        if device.type == "cuda" and self.cudnn_benchmark:
            # Picks the fastest convolution algorithm per input shape; the shapes of one
            # training repeat every step, so the search pays off after the first few.
            torch.backends.cudnn.benchmark = True
        model = model.to(device)
        if self.channels_last and device.type == "cuda":
            model = model.to(memory_format=torch.channels_last)
        return model

    def _compiled(self, model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        """The training forward pass: ``model`` itself, or compiled when ``compile`` is on
        (the weights stay ``model``'s: the optimiser and the validation use them as they are)."""
        if not self.compile:
            return model
        mode = None if self.compile is True else self.compile
        return torch.compile(model, mode=mode)

    def _layout(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_last and x.device.type == "cuda":
            return x.contiguous(memory_format=torch.channels_last)
        return x
