"""``nasrun``: the experiment runner (a Hydra app; this module only wires pieces together)."""

from __future__ import annotations

import logging
import sys
from importlib.metadata import version

import hydra
import optuna
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig
from optuna.trial import TrialState

from nasrun.cli.errors import check_composes, check_group_choices, check_writable, fail, say
from nasrun.config import CONFIG_DIR, CONFIG_NAME
from nasrun.errors import NasrunError, exit_code, raise_on_sigterm

log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=CONFIG_NAME)
def _run(cfg: DictConfig) -> float | None:
    # torch is imported after argument parsing, which keeps --help fast.
    from nasrun.cli.final_train import train_final
    from nasrun.cli.where import end_line, start_line
    from nasrun.console import set_job_label
    from nasrun.experiment import Experiment
    from nasrun.training.threads import set_threads

    hydra_cfg, experiment = HydraConfig.get(), None
    sweep = hydra_cfg.mode == RunMode.MULTIRUN
    if sweep:  # jobs side by side (joblib) share one log: each line says whose it is
        set_job_label(f"job {hydra_cfg.job.num}")
    # Optuna's per-trial messages (and tracebacks of failed trials) go to the run's log file;
    # the console shows progress and one line per failure instead.
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    try:
        set_threads(cfg.threads, hydra_cfg.launcher if sweep else None, cfg.workers)
        choices = dict(hydra_cfg.runtime.choices)
        experiment = Experiment.from_config(cfg, hydra_cfg.runtime.output_dir, choices)
        if cfg.verbose:
            say(start_line(experiment))
        try:
            summary = experiment.run()
        finally:  # interrupted too: the tables were written
            if cfg.verbose:
                say(end_line(experiment))
        if not summary.get("n_complete") and not summary.get("n_pruned"):
            raise NothingCompleted(nothing_completed(experiment.study, summary))
        if cfg.search.get("final_train"):
            train_final(experiment, list(hydra_cfg.overrides.task))
        # The task's return value: what a Hydra sweeper plugin optimises over runs.
        return summary.get("best_value")
    except NasrunError as error:
        log.error(str(error))
        if not sweep:  # a sweep's job: its failure is its own (nasrun.cli.sweep)
            fail(str(error), code=1 if isinstance(error, NothingCompleted) else 2)
        from nasrun.cli.sweep import job_failed

        job_failed(hydra_cfg.runtime.output_dir, hydra_cfg.job.num, str(error))
    except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: ends a sweep as well
        log.warning(str(interrupt) or "interrupted")
        kept = "; every finished trial is kept in the study and the tables were written"
        fail(f"{interrupt or 'interrupted'}{kept if experiment else ''}", exit_code(interrupt))
    return None


class NothingCompleted(NasrunError):
    """A run that ended without one complete or pruned trial: it exits 1, not 0."""


def nothing_completed(study: optuna.Study, summary: dict) -> str:
    """Why a run that ends without a complete or pruned trial is an error, in one line."""
    failed = study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
    if not failed:
        return "nothing completed: no trial finished within the budget"
    reason = failed[0].user_attrs.get("fail_reason", "no reason recorded")
    return (
        f"nothing completed: all {len(failed)} trials failed (the first: {reason}); "
        f"see fail_reason in {summary.get('run_dir', 'the run folder')}/trials.csv"
    )


def main() -> None:
    args = sys.argv[1:]
    if "--version" in args:  # nasrun's, not Hydra's (which Hydra's own flag would print)
        print(
            f"nasrun {version('nasrun')} (hydra {version('hydra-core')}, optuna {optuna.__version__})"
        )
        return
    check_group_choices(args, CONFIG_DIR)
    cfg = check_composes(args)
    if cfg is not None:
        _check_storage(str(cfg.storage))  # before Hydra makes the run folder
        check_writable(cfg.output_root, "output_root")
        run_dir = next((a.split("=", 1)[1] for a in args if a.startswith("hydra.run.dir=")), None)
        if run_dir and "${" not in run_dir:
            check_writable(run_dir, "hydra.run.dir")
    # timeout, kill and SLURM's pre-emption send SIGTERM: handled as Ctrl-C is.
    raise_on_sigterm()
    try:
        _run()
    except KeyboardInterrupt as interrupt:  # before or after the job (Hydra's own set-up)
        fail(str(interrupt) or "interrupted", code=exit_code(interrupt))


def _check_storage(url: str) -> None:
    from nasrun.study import storage_url

    try:
        storage_url(url)
    except NasrunError as error:
        fail(str(error))


if __name__ == "__main__":
    main()
