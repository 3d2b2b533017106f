"""TensorBoard: one event folder per run, a scalar per trial and the training curves per epoch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nasrun.callbacks.base import Tracker, trial_metrics, trial_params
from nasrun.errors import NasrunError

if TYPE_CHECKING:
    import optuna

    from nasrun.training import EpochStats


class TensorBoardTracker(Tracker):
    """Writes ``<log_dir>`` (default ``<run dir>/tensorboard``): ``trial/<metric>`` against the
    trial number, ``best/value`` (the best value so far), the architecture as text; and in
    ``<log_dir>/trial_<n>``, ``epoch/<metric>`` against the epoch, so that TensorBoard draws every
    trial's training curve on one chart, one run each (``tensorboard --logdir outputs``)."""

    def __init__(self, run_dir: str | Path, log_dir: str | None = None) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise NasrunError(
                "callbacks=tensorboard needs tensorboard: pip install tensorboard"
            ) from None
        self.log_dir = Path(log_dir) if log_dir else Path(run_dir) / "tensorboard"
        self._writer = SummaryWriter
        self.writer = SummaryWriter(str(self.log_dir))
        self.curves: dict[int, object] = {}  # trial number -> its open writer

    def epoch_done(self, trial_number: int | None, stats: EpochStats) -> None:
        if trial_number is None:
            return
        if trial_number not in self.curves:
            folder = self.log_dir / f"trial_{trial_number}"
            self.curves[trial_number] = self._writer(str(folder))
        writer = self.curves[trial_number]
        for key in ("train_loss", "train_acc", "valid_acc"):
            value = getattr(stats, key, None)
            if value is not None:
                writer.add_scalar(f"epoch/{key}", value, stats.epoch)

    def trial_finished(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        for key, value in trial_metrics(trial).items():
            self.writer.add_scalar(f"trial/{key}", value, trial.number)
        if len(study.directions) == 1 and trial.state.name == "COMPLETE":
            self.writer.add_scalar("best/value", study.best_value, trial.number)
        params = trial_params(trial)
        if params:
            text = "\n".join(f"{k}: {v}" for k, v in params.items())
            self.writer.add_text("trial/arch", text, trial.number)
        self.writer.flush()
        if trial.number in self.curves:
            self.curves.pop(trial.number).close()

    def close(self) -> None:
        for writer in self.curves.values():  # trials a Ctrl-C cut short
            writer.close()
        self.writer.close()
