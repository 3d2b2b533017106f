"""MLflow: one parent run per nasrun run, a nested run per trial with numbers as metrics."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from nasrun.callbacks.base import Tracker, trial_metrics, trial_params
from nasrun.errors import NasrunError

if TYPE_CHECKING:
    import optuna

    from nasrun.training import EpochStats


class MLflowTracker(Tracker):
    """Logs to ``tracking_uri`` (the config's default: ``sqlite:///<output_root>/mlflow.db``,
    which ``mlflow ui --backend-store-uri`` opens) in the experiment ``experiment``.

    The parent run (named after the study) gets ``value`` and ``best_value`` per trial
    (step = trial number); each trial gets a nested run with its architecture and decisions as
    parameters, its value, test_value, n_params, flops, cost_s and metrics as metrics (numbers,
    not the string tags a replay through optuna-integration's callback gives), and the
    training curves per epoch (``epoch_train_loss``, ...). The client API is used, not MLflow's global active run."""

    def __init__(
        self, run_dir: str | Path, tracking_uri: str | None = None, experiment: str = "nasrun"
    ) -> None:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise NasrunError("callbacks=mlflow needs mlflow: pip install mlflow-skinny") from None
        # MLflow logs to stderr by its own handler; nasrun's console belongs to the progress
        # display, and everything logged goes to the run's nasrun.log.
        logger = logging.getLogger("mlflow")
        logger.handlers.clear()
        logger.propagate = True
        self.uri = tracking_uri or f"sqlite:///{Path(run_dir).resolve().parent}/mlflow.db"
        if self.uri.startswith("sqlite:///"):
            Path(self.uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.client = MlflowClient(self.uri)
        found = self.client.get_experiment_by_name(experiment)
        self.experiment = (
            found.experiment_id if found else self.client.create_experiment(experiment)
        )
        self.run_dir = str(run_dir)
        self.parent: str | None = None
        self.labelled = False
        self.trials: dict[int, str] = {}  # trial number -> its nested run (open)

    def _parent(self, study: optuna.Study | None) -> str:
        if self.parent is None:
            tags = {"nasrun.run_dir": self.run_dir}
            run = self.client.create_run(
                self.experiment, run_name=Path(self.run_dir).name, tags=tags
            )
            self.parent = run.info.run_id
        if study is not None and not self.labelled:  # named after the study once it is known
            self.labelled = True
            tags = {"mlflow.runName": study.study_name, "nasrun.study": study.study_name}
            tags |= {f"nasrun.{k}": str(v) for k, v in study.user_attrs.items() if k in LABELS}
            for key, value in tags.items():
                self.client.set_tag(self.parent, key, value)
        return self.parent

    def _trial_run(self, number: int, study: optuna.Study | None = None) -> str:
        if number not in self.trials:
            tags = {"mlflow.parentRunId": self._parent(study), "nasrun.trial": str(number)}
            run = self.client.create_run(self.experiment, run_name=f"trial {number}", tags=tags)
            self.trials[number] = run.info.run_id
        return self.trials[number]

    def epoch_done(self, trial_number: int | None, stats: EpochStats) -> None:
        if trial_number is None:
            return
        run = self._trial_run(trial_number)
        for key in ("train_loss", "train_acc", "valid_acc"):
            value = getattr(stats, key, None)
            if value is not None:
                self.client.log_metric(run, f"epoch_{key}", float(value), step=stats.epoch)

    def trial_finished(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        parent, run = self._parent(study), self._trial_run(trial.number, study)
        for key, value in trial_params(trial).items():
            self.client.log_param(run, key, value[:6000])  # MLflow's limit on a parameter
        metrics = trial_metrics(trial)
        for key, value in metrics.items():
            self.client.log_metric(run, key, value, step=trial.number)
        if "value" in metrics:
            self.client.log_metric(parent, "value", metrics["value"], step=trial.number)
            if len(study.directions) == 1:
                best = study.best_value
                self.client.log_metric(parent, "best_value", best, step=trial.number)
        status = "FINISHED" if trial.state.name in ("COMPLETE", "PRUNED") else "FAILED"
        self.client.set_tag(run, "nasrun.state", trial.state.name)
        self.client.set_terminated(self.trials.pop(trial.number), status=status)

    def close(self) -> None:
        for run in self.trials.values():  # trials a Ctrl-C cut short
            self.client.set_terminated(run, status="KILLED")
        self.trials.clear()
        if self.parent is not None:
            self.client.set_terminated(self.parent)


#: Study attributes copied onto the parent run as tags (nasrun.study's labels).
LABELS = ("space", "search", "estimator", "dataset", "experiment", "seed", "commit")
