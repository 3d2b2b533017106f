"""ProxylessNAS: direct neural architecture search on target task and hardware (Cai, Zhu & Han,
ICLR 2019)."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nasrun.errors import NasrunError
from nasrun.oneshot.base import AlphaOptimiserSearcher, Batch, SearchData
from nasrun.oneshot.spos import recalibrated_accuracy
from nasrun.spaces import Supernet
from nasrun.training.optimiser import OptimizerFactory

#: How the latency enters the architecture loss (see :class:`ProxylessSearcher`).
LATENCY_LOSSES = ("absolute", "add_linear", "mul_log")


class ProxylessSearcher(AlphaOptimiserSearcher):
    """Path-level binarisation (§3.2 of the paper), the memory-saving scheme: every step trains
    the shared weights on **one** path per mixed op, sampled from ``p = softmax(alpha)``, and
    updates the architecture parameters on a batch of the other half through **two** sampled
    paths per mixed op (the gates' gradients, eq. 4, restricted to the two; their alphas are
    then shifted so that the other paths' probabilities stay as they were). Peak memory is that
    of about one path, not of all of them as in DARTS.

    The hardware term (§3.3) takes the expected latency ``E[LAT]`` from the space's latency
    table (:meth:`nasrun.costs.LatencyTable.expected_ms`, differentiable in ``p``);
    ``latency_loss`` says how it enters the architecture loss ``CE``:

    - ``absolute`` (default): ``CE + latency_weight * |LAT - target_ms| / target_ms``, a
      two-sided form of the authors' ``add#linear`` (TuNAS' absolute reward, Bender et al.,
      CVPR 2020) that settles at the target instead of pushing the latency ever lower;
    - ``add_linear``: ``CE + latency_weight * (LAT - target_ms) / target_ms``, the released
      code's ``add#linear`` (mit-han-lab/proxylessnas, ``search/nas_manager.py``; its lambda
      defaults to 0.1 in ``imagenet_arch_search.py``), the paper's ``lambda * E[LAT]`` scaled
      by the target;
    - ``mul_log``: ``latency_weight * CE * (log(LAT) / log(target_ms)) ** latency_beta``, the
      released ``mul#log`` (its default there, with alpha 0.2 and beta 0.3), which needs a
      target above 1 ms: ``log(target_ms)`` is the divisor.

    The two released forms lower the latency as far as accuracy lets them (the paper reaches a
    latency by tuning lambda); only ``absolute`` aims at ``target_ms``. ``target_ms=None``
    leaves the term out, as it is on a space without a latency table. ``latency_of="derived"``
    puts the argmax network's latency in the term as ``LAT`` instead of ``E[LAT]`` (one-hot in
    value, the gradient of ``E[LAT]``: straight-through), so the network the search derives,
    not the mixture, lands on the target. ``warmup_epochs`` train the weights alone first (the
    paper's warm-up: 40 epochs before the 120 of the search, each path drawn from the uniform
    initial ``p``). The derived network is scored with batch-norm statistics of its own (the
    released code validates it in training mode), so that a path the running averages lag
    behind does not score at chance. The table is measured on ``latency_device`` (cached under
    ``output_root``) on the first step, at the batch's input shape.
    """

    name = "proxyless"
    arch_batches = True

    def __init__(
        self,
        target_ms: float | None = None,
        latency_weight: float = 1.0,
        latency_device: str = "cpu",
        output_root: str = "outputs",
        arch_optimizer: OptimizerFactory | None = None,
        latency_of: str = "expected",
        warmup_epochs: int = 0,
        latency_loss: str = "absolute",
        latency_beta: float = 0.3,
    ) -> None:
        if latency_of not in ("expected", "derived"):
            raise NasrunError("search.searcher.latency_of is expected or derived")
        if latency_loss not in LATENCY_LOSSES:
            raise NasrunError(
                f"search.searcher.latency_loss is one of {', '.join(LATENCY_LOSSES)}, "
                f"got {latency_loss}"
            )
        if target_ms is not None and target_ms <= 0:
            raise NasrunError(f"search.target_ms must be positive, got {target_ms}")
        if latency_loss == "mul_log" and target_ms is not None and target_ms <= 1:
            raise NasrunError(
                "search.searcher.latency_loss=mul_log divides by log(target_ms): "
                f"it needs a target above 1 ms, got {target_ms}"
            )
        self.latency_loss, self.latency_beta = latency_loss, latency_beta
        self.latency_of = latency_of
        self.warmup_epochs = warmup_epochs  # the paper trains the weights alone first
        self.target_ms, self.latency_weight = target_ms, latency_weight
        self.latency_device, self.output_root = latency_device, output_root
        self.arch_optimizer = arch_optimizer or partial(
            torch.optim.Adam, lr=6e-3, betas=(0.0, 0.999), eps=1e-8
        )
        self.loss_fn = nn.CrossEntropyLoss()
        self.table: Any = None

    def trained_alphas(self, supernet: Supernet) -> list[nn.Parameter]:
        return supernet.mixing_parameters()

    def score(self, data: SearchData) -> float:
        return recalibrated_accuracy(self.supernet, self.derive(), data.weights, data.valid)

    def step(
        self, batch: Batch, arch_batch: Batch | None, generator: torch.Generator
    ) -> torch.Tensor:
        (xt, yt), (xv, yv) = batch, arch_batch
        if self.epoch > self.warmup_epochs:
            self.arch_step(xv, yv, generator)
        mixes, active = sample_paths(self.supernet.mixing_parameters(), 1, generator)
        loss = self.loss_fn(self.supernet.mixed_forward(xt, mixes, active), yt)
        self.weights.step(loss)
        return loss

    def arch_step(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator) -> None:
        alphas = self.supernet.mixing_parameters()
        mixes, active = sample_paths(alphas, 2, generator)
        before = [_pair_mass(a, on) for a, on in zip(alphas, active, strict=True)]
        loss = self.loss_fn(self.supernet.mixed_forward(x, mixes, active), y)
        latency = self.expected_latency(x)
        if latency is not None:
            loss = self.with_latency(loss, latency)
        self.a_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.a_opt.step()
        for weight in self.supernet.weight_parameters():  # this batch trains no weights
            weight.grad = None
        with torch.no_grad():  # the other paths keep their probabilities (the paper's rescale)
            for alpha, on, mass in zip(alphas, active, before, strict=True):
                _restore_pair_mass(alpha, on, mass)

    def with_latency(self, ce: torch.Tensor, latency: torch.Tensor) -> torch.Tensor:
        """The architecture loss: ``ce`` with the latency term of ``latency_loss``."""
        target, weight = self.target_ms, self.latency_weight
        if self.latency_loss == "absolute":
            return ce + weight * (latency - target).abs() / target
        if self.latency_loss == "add_linear":
            return ce + weight * (latency - target) / target
        ratio = torch.log(latency) / math.log(target)  # below 1 ms the log turns negative
        return weight * ce * ratio.clamp_min(1e-6) ** self.latency_beta

    def expected_latency(self, x: torch.Tensor) -> torch.Tensor | None:
        """``E[LAT]`` in ms under ``softmax(alpha)`` (None without a target or a table)."""
        if self.target_ms is None or not hasattr(self.supernet.space, "all_layer_specs"):
            return None
        if self.table is None:
            self.table = self._latency_table(tuple(x.shape[1:]))
        probabilities = [torch.softmax(a, -1) for a in self.supernet.mixing_parameters()]
        if self.latency_of == "derived":  # the argmax network's latency, E[LAT]'s gradient
            probabilities = [_argmax_straight_through(p) for p in probabilities]
        return self.table.expected_ms(probabilities)

    def _latency_table(self, input_shape: tuple[int, ...]) -> Any:
        from nasrun.costs import latency_table

        classifier = [m for m in self.supernet.modules() if isinstance(m, nn.Linear)][-1]
        return latency_table(
            self.supernet.space,
            classifier.out_features,
            input_shape,
            device=self.latency_device,
            output_root=Path(self.output_root),
        )


def sample_paths(
    alphas: list[torch.Tensor], paths: int, generator: torch.Generator
) -> tuple[list[torch.Tensor], list[list]]:
    """Binary gates for each mixing group (each row of a matrix): ``paths`` choices drawn
    without replacement from ``softmax(alpha)``, of which one is on. With ``paths=2`` the gates
    carry the gradient of the probabilities renormalised over the two drawn (straight-through:
    the values are exactly 0 and 1); both drawn ops run, so the off one's gate gets its
    gradient ``dL/dg`` as in the paper's eq. 4. Returns the gates and the ops to run."""
    mixes, active = [], []
    for alpha in alphas:
        rows = alpha.reshape(-1, alpha.shape[-1])
        probabilities = torch.softmax(rows.detach().float().cpu(), -1)
        drawn = torch.multinomial(probabilities, min(paths, rows.shape[-1]), generator=generator)
        gates, on_rows = [], []
        for row, picks in zip(rows, drawn.tolist(), strict=True):
            pair = torch.softmax(row[picks], -1)
            first = int(torch.multinomial(pair.detach().float().cpu(), 1, generator=generator))
            hard = torch.zeros_like(pair)
            hard[first] = 1.0
            gate = torch.zeros_like(row).index_put(
                (torch.tensor(picks),), hard + (pair - pair.detach())
            )
            gates.append(gate)
            on_rows.append(sorted(picks))
        mixes.append(torch.stack(gates).reshape(alpha.shape))
        active.append(on_rows if alpha.dim() > 1 else on_rows[0])
    return mixes, active


def _rows(on: list) -> list[list[int]]:
    return on if on and isinstance(on[0], list) else [on]


def _pair_mass(alpha: torch.Tensor, on: list) -> list[torch.Tensor]:
    rows = alpha.detach().reshape(-1, alpha.shape[-1])
    return [torch.logsumexp(row[picks], 0) for row, picks in zip(rows, _rows(on), strict=True)]


def _restore_pair_mass(alpha: torch.Tensor, on: list, mass: list[torch.Tensor]) -> None:
    rows = alpha.data.reshape(-1, alpha.shape[-1])
    for row, picks, old in zip(rows, _rows(on), mass, strict=True):
        row[picks] += old - torch.logsumexp(row[picks], 0)


def _argmax_straight_through(probabilities: torch.Tensor) -> torch.Tensor:
    """One-hot on the most probable choice in value, ``probabilities``' gradient."""
    hard = torch.nn.functional.one_hot(probabilities.argmax(-1), probabilities.shape[-1])
    return hard.to(probabilities) + (probabilities - probabilities.detach())
