"""One-shot search: the runner around a weight-sharing searcher (DESIGN.md §2).

The searcher (``nasrun.oneshot``) holds the algorithm; this runner owns everything around it:
the supernet, the weights' optimiser, the epochs and their data order, the non-finite-loss
check, one Optuna trial per epoch (so tables, reports, resume and dashboards work as for any
search), the architecture-weight history, and an atomic checkpoint after every epoch. A re-run
of the same command continues after the last finished epoch and ends exactly where an
uninterrupted run would: each epoch's generator is seeded from (seed, epoch), so no random
state has to be carried.
"""

from __future__ import annotations

import pickle
import shutil
import time
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from nasrun.errors import NasrunError
from nasrun.estimators.base import Result
from nasrun.estimators.one_shot import OneShotEstimator
from nasrun.oneshot.base import OneShotSearcher, SearchData, epoch_generator, train_steps
from nasrun.search.alpha_history import plot_alpha_history, write_alpha_history
from nasrun.search.base import Search
from nasrun.training import DivergedError, WeightOptimiser, count_flops, count_params
from nasrun.training.optimiser import OptimizerFactory
from nasrun.training.trainer import check_compile

if TYPE_CHECKING:
    import optuna

    from nasrun.budget import Budget
    from nasrun.data import DataModule
    from nasrun.estimators import Estimator
    from nasrun.search.recorder import Recorder
    from nasrun.spaces import Arch, SearchSpace, Supernet


class OneShotSearch(Search):
    """Trains one supernet for ``epochs`` with ``searcher`` (DARTS, Liu et al. 2019; GDAS, Dong
    & Yang 2019; SPOS, Guo et al. 2020; ENAS, Pham et al. 2018) and records the architecture it
    derives after each epoch as a trial, scored by the searcher on the validation split.

    The shared weights train with ``optimizer`` (a ``_partial_`` factory; DARTS' SGD), gradient
    norm clipping at ``grad_clip`` and a cosine schedule over the epochs down to ``lr_min``, on
    batches of ``batch_size`` from one half of the training split (the other half is the
    architecture's). ``supernet`` holds options of the space's supernet (PC-DARTS'
    ``partial_channels``). ``order`` repeats a gradient searcher's order at the top of the
    config (``search.order=2``), ``target_ms`` ProxylessNAS' latency target
    (``search.target_ms=5``). ``final_train`` is read by ``nasrun``, which then trains the
    last derived architecture afterwards. The run's length is ``epochs``; ``budget.seconds``
    stops it early after a finished epoch.
    """

    #: One supernet per study: two workers would train two supernets into one record.
    parallel = False
    fresh_study = False  # a re-run of the same command resumes its checkpoint

    def __init__(
        self,
        searcher: OneShotSearcher,
        epochs: int = 50,
        batch_size: int = 64,
        optimizer: OptimizerFactory | None = None,
        lr_min: float = 0.001,
        grad_clip: float | None = 5.0,
        supernet: dict[str, Any] | None = None,
        checkpoint_dir: str = "outputs/checkpoints",
        compile: bool | str = False,
        final_train: bool = False,
        order: int | None = None,
        target_ms: float | None = None,
        hpo: Any = None,
        seed: int = 0,
        name: str | None = None,
    ) -> None:
        if hpo is not None:
            raise NasrunError("hpo: one-shot searches train one supernet; use hpo=none")
        if epochs < 1 or batch_size < 1:
            raise NasrunError("search.epochs and search.batch_size must be at least 1")
        for key, value in (("order", order), ("target_ms", target_ms)):  # top-level shortcuts
            if value is not None and value != getattr(searcher, key, None):
                raise NasrunError(
                    f"search.{key}={value} differs from the searcher's {key}; set search.{key} only"
                )
        self.searcher, self.epochs, self.batch_size = searcher, epochs, batch_size
        self.optimizer = optimizer or partial(
            torch.optim.SGD, lr=0.025, momentum=0.9, weight_decay=3e-4
        )
        self.lr_min, self.grad_clip = lr_min, grad_clip
        self.supernet = dict(supernet or {})
        self.compile = check_compile(compile, "search.compile")
        self.checkpoint_dir = Path(checkpoint_dir)
        self.final_train, self.seed = final_train, seed
        self.name = name or searcher.name

    def check(self, space: SearchSpace, estimator: Estimator) -> None:
        """Refuses an estimator without a supernet before the study is opened."""
        if not isinstance(estimator, OneShotEstimator):
            raise NasrunError(f"search={self.name} trains a supernet: it needs estimator=one_shot")

    def study_name(self, names: dict[str, str], config_digest: str) -> str:
        """Named by the config, so that re-running the same command finds its checkpoint."""
        return f"{names['label']}-{names['search']}-{names['dataset']}-{config_digest}"

    def run(
        self,
        study: optuna.Study,
        space: SearchSpace,
        estimator: Estimator,
        budget: Budget,
        recorder: Recorder,
    ) -> None:
        self.check(space, estimator)
        supernet = estimator.build_supernet(self.seed, **self.supernet)
        if self.compile:
            compile_in_place(supernet, self.compile)
        weights = WeightOptimiser(
            supernet.weight_parameters(), self.optimizer, self.grad_clip, self.epochs, self.lr_min
        )
        self.searcher.setup(supernet, weights, self.seed, self.batch_size)
        checkpoint = self.checkpoint_dir / f"{study.study_name}.pt"
        done = self._resume(checkpoint, supernet, weights)
        history = checkpoint.with_suffix(".alphas.csv")  # beside the checkpoint: survives resumes
        epoch_run = _EpochRun(self, study, space, estimator.dataset, recorder, supernet, weights)
        started = time.perf_counter()
        try:
            with recorder.showing(study, self.epochs, done):
                for epoch in range(done + 1, self.epochs + 1):
                    epoch_run(epoch)
                    self._save(checkpoint, epoch, supernet, weights)
                    write_alpha_history(history, epoch, supernet)
                    if (
                        budget.seconds is not None
                        and time.perf_counter() - started > budget.seconds
                    ):
                        break
        finally:
            if history.is_file():
                recorder.run_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(history, recorder.run_dir / "alphas.csv")
                plot_alpha_history(history, recorder.run_dir / "alphas.png")

    def _save(
        self, checkpoint: Path, epoch: int, supernet: Supernet, weights: WeightOptimiser
    ) -> None:
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "epoch": epoch,
            "supernet": supernet.state_dict(),
            "weights": weights.state_dict(),
            "searcher": self.searcher.state_dict(),
        }
        partial_file = checkpoint.with_suffix(".tmp")
        torch.save(state, partial_file)
        partial_file.replace(checkpoint)  # atomic: a kill mid-write leaves the last epoch intact

    def _resume(self, checkpoint: Path, supernet: Supernet, weights: WeightOptimiser) -> int:
        """Loads the checkpoint when there is one; returns the epochs it finished."""
        if not checkpoint.is_file():
            return 0
        device = next(supernet.parameters()).device
        # weights_only: a checkpoint holds tensors and plain containers only (every searcher's
        # state_dict is made of them), so loading one never runs code a file could name.
        try:
            state = torch.load(checkpoint, map_location=device, weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise NasrunError(
                f"cannot resume from {checkpoint} ({type(error).__name__}: {reason}); "
                "delete it to start this search over"
            ) from None
        supernet.load_state_dict(state["supernet"])
        weights.load_state_dict(state["weights"])
        self.searcher.load_state_dict(state["searcher"])
        return int(state["epoch"])


class _EpochRun:
    """One epoch: the searcher's steps in the runner's data order, then its record as a trial."""

    def __init__(self, search, study, space, dataset: DataModule, recorder, supernet, weights):
        self.search, self.study, self.space, self.recorder = search, study, space, recorder
        self.dataset, self.supernet, self.weights = dataset, supernet, weights
        self.data = SearchData.halving(dataset.train, dataset.valid)

    def __call__(self, epoch: int) -> None:
        search, searcher = self.search, self.search.searcher
        start = time.perf_counter()
        generator = epoch_generator(search.seed, epoch)
        searcher.start_epoch(epoch, search.epochs)
        self.supernet.train()
        try:
            loss = train_steps(
                searcher, self.data.weights, self.data.arch, search.batch_size, generator
            )
        except DivergedError as error:
            raise NasrunError(
                f"search={search.name}: {error} in epoch {epoch}; the {epoch - 1} epochs before "
                "are kept (try a lower search.optimizer.lr)"
            ) from None
        searcher.end_epoch(self.data, generator)
        self.weights.advance()
        arch = searcher.derive()
        value = searcher.score(self.data)
        self._record(epoch, arch, value, loss, time.perf_counter() - start)

    def _record(self, epoch: int, arch: Arch, value: float, loss: float, seconds: float) -> None:
        # One trial per epoch, with the derived architecture as its parameters (enqueue, then ask).
        self.study.enqueue_trial(self.space.to_params(arch), skip_if_exists=False)
        with warnings.catch_warnings():  # Optuna warns that heartbeats expect optimize()
            warnings.simplefilter("ignore", UserWarning)
            trial = self.study.ask()
        self.recorder.started(trial)
        self.space.suggest(trial)
        shape = self.dataset.input_shape
        model = self.space.build(arch, self.dataset.num_classes, shape)
        result = Result(
            value=value,
            metrics={"epoch": epoch, "train_loss": loss, "entropy": mean_entropy(self.supernet)},
            params=count_params(model),
            flops=count_flops(model, shape),
            cost_s=seconds,
            fidelity=f"supernet_epoch={epoch}",
        )
        frozen = self.study.tell(trial, self.recorder.record(trial, arch, result))
        self.recorder.finished(self.study, frozen)


def mean_entropy(supernet: Supernet) -> float:
    """Mean entropy (nats) of the softmax over each group of architecture weights."""
    entropies = []
    for alpha in supernet.arch_parameters():
        p = torch.softmax(
            alpha.detach().float().flatten(0, -2) if alpha.dim() > 1 else alpha.detach()[None], -1
        )
        entropies.append(-(p * p.clamp_min(1e-12).log()).sum(-1).mean().item())
    return sum(entropies) / max(1, len(entropies))


def compile_in_place(
    supernet: torch.nn.Module, mode: bool | str, backend: str = "inductor"
) -> None:
    """``torch.compile`` of the supernet's forward pass, in place: its parameters, state_dict
    keys and checkpoints stay those of the eager supernet. A searcher that changes the active
    path every step (GDAS, SPOS, ENAS, ProxylessNAS) recompiles per path until torch's cache
    limit falls back to eager: compile suits the all-path mixing of DARTS and PC-DARTS."""
    import torch._functorch.config as functorch_config

    # Second-order DARTS backpropagates twice through one graph (retain_graph): compiled
    # backward passes must keep their buffers instead of donating them for reuse.
    functorch_config.donated_buffer = False
    options = {} if mode is True or backend != "inductor" else {"mode": mode}
    supernet.compile(backend=backend, **options)
