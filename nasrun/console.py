"""What a person sees while a run works: progress bars (or, in a batch job's log, plain
progress lines), a best-so-far line, the top trials."""

from __future__ import annotations

import datetime
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import optuna
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from nasrun.training import EpochStats

console = Console(stderr=True)
#: Put before every line a sweep's job prints (``[job 3] ``): under a launcher that runs jobs
#: side by side (joblib), their lines share one log.
job_label = ""


def set_job_label(label: str) -> None:
    global job_label
    job_label = f"[{label}] " if label else ""


@dataclass
class ProgressLog:
    """How often a run whose stderr is not a terminal (a batch job's log) prints a plain
    progress line instead of bars: every ``every_s`` seconds and/or ``every_trials`` trials."""

    every_s: float = 30.0
    every_trials: int = 0  # 0: by time only


def progress_display(
    total: float | None, objective: str, enabled: bool, unit: str = "trials", log=None
) -> RunProgress | PlainProgress:
    """Bars on a terminal; plain lines in a log file or pipe; nothing when not ``enabled``."""
    if enabled and not console.is_terminal:
        return PlainProgress(total, objective, unit, log or ProgressLog())
    return RunProgress(total, objective, enabled, unit)


class _Best:
    """The best complete trial so far, as the progress displays show it."""

    def __init__(self, objective: str) -> None:
        self.objective = objective
        self.best: tuple[float, int] | None = None

    def update(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state != optuna.trial.TrialState.COMPLETE or trial.values is None:
            return
        if len(trial.values) != 1:  # a multi-objective trial: no one best value
            return
        better = self.best is None or (
            trial.value > self.best[0]
            if study.direction == optuna.study.StudyDirection.MAXIMIZE
            else trial.value < self.best[0]
        )
        if better:
            self.best = (trial.value, trial.number)

    def __str__(self) -> str:
        return f"best {self.objective} {self.best[0]:.4f} (#{self.best[1]})" if self.best else ""


class RunProgress(AbstractContextManager):
    """A trial bar with the best value so far, and an epoch bar for the trial in training.

    With ``enabled=False`` every method does nothing, which is quiet mode (``verbose=false``).
    """

    def __init__(
        self, total_trials: float | None, objective: str, enabled: bool = True, unit: str = "trials"
    ) -> None:
        self.enabled = enabled
        self.objective = objective
        self.best = _Best(objective)
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
        label = escape(job_label + unit)  # "[job 3]" is text, not a rich style
        self.trials = self.progress.add_task(label, total=total_trials, note="")
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
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial, done: float
    ) -> None:
        if trial.state == optuna.trial.TrialState.FAIL and self.enabled:
            reason = trial.user_attrs.get("fail_reason", "see the run's log")
            self.progress.console.print(f"[yellow]trial {trial.number} failed:[/] {reason}")
        self.best.update(study, trial)
        self.advance(done)

    def advance(self, done: float) -> None:
        self.progress.update(self.trials, completed=done, note=str(self.best))
        self.progress.update(self.epochs, visible=False)

    def say(self, message: str) -> None:
        if self.enabled:
            self.progress.console.print(escape(job_label) + message)


class PlainProgress(AbstractContextManager):
    """:class:`RunProgress` as lines a log file keeps: ``[job 2] 45/100 trials (45%), best
    valid_acc 0.9123 (#12), 0:01:02``, at most every ``log.every_s`` seconds (or
    ``log.every_trials`` trials), and once at the end."""

    def __init__(self, total: float | None, objective: str, unit: str, log: ProgressLog) -> None:
        self.total, self.unit, self.log = total, unit, log
        self.best = _Best(objective)
        self.done: float = 0
        self.finished = self.last_count = 0
        self.started = self.last_line = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self._line()

    def start(self, done: float) -> None:
        self.done = done

    def trial_started(self, number: int) -> None:
        return None

    def epoch_done(self, stats: EpochStats, total: int | None = None) -> None:
        if time.monotonic() - self.last_line >= self.log.every_s:
            epochs = f"{stats.epoch}/{total}" if total else str(stats.epoch)
            self.say(f"  epoch {epochs}: loss {stats.train_loss:.3f}  valid {stats.valid_acc:.4f}")
            self.last_line = time.monotonic()

    def trial_finished(
        self, study: optuna.Study, trial: optuna.trial.FrozenTrial, done: float
    ) -> None:
        if trial.state == optuna.trial.TrialState.FAIL:
            reason = trial.user_attrs.get("fail_reason", "see the run's log")
            self.say(f"trial {trial.number} failed: {reason}")
        self.best.update(study, trial)
        self.advance(done)

    def advance(self, done: float) -> None:
        self.done, self.finished = done, self.finished + 1
        by_count = (
            self.log.every_trials and self.finished - self.last_count >= self.log.every_trials
        )
        if by_count or time.monotonic() - self.last_line >= self.log.every_s:
            self._line()

    def say(self, message: str) -> None:
        console.print(job_label + message, markup=False, highlight=False, soft_wrap=True)

    def _line(self) -> None:
        total = f"{self.total:.0f}" if self.total else "?"
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        parts = [f"{self.done:.0f}/{total} {self.unit}{share}"]
        parts += [str(self.best)] if self.best.best else []
        elapsed = datetime.timedelta(seconds=round(time.monotonic() - self.started))
        self.say(", ".join([*parts, f"{elapsed} elapsed"]))
        self.last_line, self.last_count = time.monotonic(), self.finished


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
    title = f"top {len(best)} of {len(complete)} complete trials"
    table = Table(title=title, title_justify="left")
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
    if not job_label:
        console.print(table)
        return
    # A sweep's job: every line labelled, and the table in one write, so that jobs sharing a
    # log (joblib) cannot interleave inside it.
    with console.capture() as captured:
        console.print(table)
    lines = captured.get().splitlines()
    console.file.write("".join(f"{job_label}{line.rstrip()}\n" for line in lines))
    console.file.flush()


def _maybe(value, fmt: str, scale: float = 1.0) -> str:
    return "" if value is None or pd.isna(value) else fmt.format(value * scale)
