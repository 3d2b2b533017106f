"""Tabular estimation: look architectures up in NAS-Bench-201 instead of training them.

The NB201 protocol (Dong & Yang, ICLR 2020): a search sees the validation accuracy after
NB201's 12-epoch schedule; the architecture it picks is judged by its 200-epoch test accuracy.
Accuracies are reported as fractions in [0, 1], like every other estimator's.

Cost model. The tables carry no training times, so each look-up is charged the *simulated*
seconds that training the architecture for the 12-epoch schedule would take, modelled as

    cost_s = 12 * (train_images / 25,000) * (seconds_per_epoch + seconds_per_gflop * GFLOPs)

where GFLOPs is one forward pass of the network for that dataset's images (multiply-adds count
two) and ``train_images`` is 25,000 for cifar10 (NB201's cifar10-valid split), 50,000 for
cifar100 and 151,700 for imagenet16-120. The defaults are anchored on NB201's own figure for
a cell with two 3x3 convs on cifar10-valid (0.559 M params, 78.56 M multiply-adds, 10.22 s per
epoch): 4 s per epoch of data loading and evaluation plus 39.56 s per forward GFLOP. It is a
model, not a measurement; it orders architectures by cost as NB201's timings do and gives
budgets in simulated seconds a scale comparable to the paper's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import optuna

from nasrun.benchmarks.nb201 import NB201Benchmark, dataset_columns
from nasrun.errors import NasrunError
from nasrun.estimators.base import Estimator, Objective, Result
from nasrun.spaces import Arch, NB201Space, SearchSpace
from nasrun.training import EpochStats, count_flops, count_params

EPOCHS = 12  # the schedule of the tables' validation accuracies
#: Per dataset: (input shape, classes, training images) of the benchmark's networks.
BENCHMARK_DATA = {
    "cifar10": ((3, 32, 32), 10, 25_000),
    "cifar100": ((3, 32, 32), 100, 50_000),
    "imagenet16-120": ((3, 16, 16), 120, 151_700),
}


class TabularEstimator(Estimator):
    """Looks each architecture up in the NAS-Bench-201 tables (Dong & Yang, "NAS-Bench-201:
    Extending the Scope of Reproducible Neural Architecture Search", ICLR 2020).

    Each result's ``cost_s`` is simulated training seconds (the cost model above), so a budget
    in simulated seconds, as NB201's searches have, is ``budget.cost_s``: the search stops once
    its complete trials have together cost that much, keeping the trial that crossed it.
    """

    name = "tabular"
    objective = Objective("valid_acc", "maximize")

    def __init__(
        self,
        space: SearchSpace,
        dataset: object = None,  # the run's DataModule; the tables replace it
        trainer: object = None,  # the run's Trainer; nothing is trained
        seed: int = 0,  # a look-up is the same for every seed
        root: str = "data",
        dataset_name: str = "cifar10",
        seconds_per_epoch: float = 4.0,
        seconds_per_gflop: float = 39.56,
    ) -> None:
        dataset_columns(dataset_name)  # one line when the name is unknown
        self.space = space
        self.root = root
        self.dataset_name = dataset_name
        self.seconds_per_epoch = seconds_per_epoch
        self.seconds_per_gflop = seconds_per_gflop
        self._benchmark: NB201Benchmark | None = None  # read on first use

    def data_name(self, dataset: object) -> str:
        return self.dataset_name  # the run's dataset group goes unused

    def check_space(self, space: SearchSpace) -> None:
        if not isinstance(space, NB201Space):
            raise NasrunError("estimator=tabular needs space=nb201")
        if (space.channels, space.cells_per_stage) != (16, 5):
            raise NasrunError(
                "estimator=tabular looks up NB201's networks: keep space.channels=16 and "
                "space.cells_per_stage=5"
            )
        self._benchmark = NB201Benchmark(self.root)  # bad tables fail before the search starts

    @property
    def benchmark(self) -> NB201Benchmark:
        if self._benchmark is None:
            self._benchmark = NB201Benchmark(self.root)
        return self._benchmark

    def costs(self, arch: Arch) -> tuple[int, int]:
        """Parameters and forward FLOPs of NB201's network for ``arch`` on this dataset."""
        base, per_op = _cost_table(self.dataset_name)
        params = base[0] + sum(per_op[op][0] for op in arch)
        flops = base[1] + sum(per_op[op][1] for op in arch)
        return params, flops

    def simulated_seconds(self, flops: int) -> float:
        _, _, images = BENCHMARK_DATA[self.dataset_name]
        per_epoch = self.seconds_per_epoch + self.seconds_per_gflop * flops / 1e9
        return EPOCHS * images / 25_000 * per_epoch

    def evaluate(
        self,
        arch: Arch,
        trial: optuna.Trial,
        hyperparameters: Mapping[str, Any] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
    ) -> Result:
        record = self.benchmark.lookup(self.space.to_string(arch), self.dataset_name)
        params, flops = self.costs(arch)
        cost = self.simulated_seconds(flops)
        return Result(
            value=record.valid_acc_12ep / 100,
            metrics={
                "valid_acc_12ep": record.valid_acc_12ep / 100,
                "test_acc_12ep": record.test_acc_12ep / 100,
                "benchmark_index": record.index,
            },
            test_value=record.test_acc_200ep / 100,
            params=params,
            flops=flops,
            cost_s=cost,
            fidelity=f"nb201:{self.dataset_name},epochs={EPOCHS}",
        )


@functools.cache
def _cost_table(dataset: str) -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """(params, FLOPs) of the all-``none`` network, and what one edge of each op adds.

    Every edge of a cell maps C channels to C at one resolution, so an op costs the same on
    any edge and a network's cost is the base plus one term per edge: five builds cover all
    15,625 architectures (the tests check this against direct counts).
    """
    shape, classes, _ = BENCHMARK_DATA[dataset]
    space = NB201Space()
    edges = len(space.decisions)
    ops = space.decisions[0].choices  # every edge chooses among the same ops

    def measure(op: str) -> tuple[int, int]:
        model = space.build((op,) * edges, classes, shape)
        return count_params(model), count_flops(model, shape)

    base = measure("none")
    per_op = {}
    for op in ops:
        params, flops = measure(op)
        per_op[op] = ((params - base[0]) // edges, (flops - base[1]) // edges)
    return base, per_op
