"""What a person sees while a run works: progress bars, a best-so-far line, the top trials."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import optuna
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from nasrun.training import EpochStats

console = Console(stderr=True)


class RunProgress(AbstractContextManager):
    """A trial bar with the best value so far, and an epoch bar for the trial in training.

    With ``enabled=False`` every method does nothing, which is quiet mode (``verbose=false``).
    """

    def __init__(self, total_trials: int | None, objective: str, enabled: bool = True) -> None:
        self.enabled = enabled
        self.objective = objective
        self.best: tuple[float, int] | None = None
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self.trials = self.progress.add_task("trials", total=total_trials, note="")
        self.epochs = self.progress.add_task("epochs", total=None, note="", visible=False)

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.progress.stop()

    def start(self, done: int) -> None:
        self.progress.update(self.trials, completed=done)

    def trial_started(self, number: int) -> None:
        self.progress.reset(self.epochs, total=None, visible=False, description=f"trial {number}")

    def epoch_done(self, stats: EpochStats, total: int | None = None) -> None:
        self.progress.update(
            self.epochs,
            completed=stats.epoch,
            total=total,
            visible=True,
            note=f"loss {stats.train_loss:.3f}  valid {stats.valid_acc:.4f}",
        )

    def trial_finished(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial, finished: int
    ) -> None:
        if trial.state == optuna.trial.TrialState.FAIL and self.enabled:
            reason = trial.user_attrs.get("fail_reason", "see the run's log")
            self.progress.console.print(f"[yellow]trial {trial.number} failed:[/] {reason}")
        if trial.state == optuna.trial.TrialState.COMPLETE:
            better = self.best is None or (
                trial.value > self.best[0]
                if study.direction == optuna.study.StudyDirection.MAXIMIZE
                else trial.value < self.best[0]
            )
            if better:
                self.best = (trial.value, trial.number)
        note = f"best {self.objective} {self.best[0]:.4f} (#{self.best[1]})" if self.best else ""
        self.progress.update(self.trials, completed=finished, note=note)
        self.progress.update(self.epochs, visible=False)


def print_top_trials(frame: pd.DataFrame, direction: str, top: int = 10) -> None:
    """A rich table of the best complete trials."""
    complete = frame[frame["state"] == "COMPLETE"]
    if complete.empty:
        console.print("[red]no trial completed[/]")
        return
    best = complete.sort_values("value", ascending=direction == "minimize").head(top)
    rows = [
        (
            str(row.number),
            str(row.arch),
            f"{row.value:.4f}",
            _maybe(row.test_value, "{:.4f}"),
            _maybe(row.params, "{:,.0f}"),
            _maybe(row.flops, "{:.1f}", scale=1e-6),
            _maybe(row.cost_s, "{:.1f}"),
        )
        for row in best.itertuples(index=False)
    ]
    table = Table(title=f"top {len(best)} of {len(complete)} complete trials", title_justify="left")
    columns = ("#", "arch", "value", "test", "params", "MFLOPs", "seconds")
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    # Numbers are never cut; genotypes run long, so the arch column gets the width left over.
    arch_width = max(20, console.width - sum(w + 3 for i, w in enumerate(widths) if i != 1) - 4)
    for i, column in enumerate(columns):
        if column == "arch":
            table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=arch_width)
        else:
            table.add_column(column, justify="right", no_wrap=True, min_width=widths[i])
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _maybe(value, fmt: str, scale: float = 1.0) -> str:
    return "" if value is None or pd.isna(value) else fmt.format(value * scale)
