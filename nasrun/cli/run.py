"""``nasrun``: the experiment runner (a Hydra app; this module only wires pieces together)."""

from __future__ import annotations

import logging
import sys

import hydra
import optuna
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from nasrun.cli.errors import check_composes, check_group_choices, fail
from nasrun.config import CONFIG_DIR, CONFIG_NAME
from nasrun.errors import NasrunError


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=CONFIG_NAME)
def _run(cfg: DictConfig) -> None:
    # torch is imported after argument parsing, which keeps --help fast.
    from nasrun.cli.final_train import train_final
    from nasrun.experiment import Experiment
    from nasrun.training.threads import set_threads

    hydra_cfg = HydraConfig.get()
    # Optuna's per-trial messages (and tracebacks of failed trials) go to the run's log file;
    # the console shows progress and one line per failure instead.
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    try:
        sweep = hydra_cfg.mode == RunMode.MULTIRUN
        set_threads(cfg.threads, hydra_cfg.launcher if sweep else None)
        choices = dict(hydra_cfg.runtime.choices)
        experiment = Experiment.from_config(cfg, hydra_cfg.runtime.output_dir, choices)
        experiment.run()
        if cfg.search.get("final_train"):
            train_final(experiment, list(hydra_cfg.overrides.task))
    except NasrunError as error:
        fail(str(error))
    except KeyboardInterrupt:
        logging.getLogger(__name__).warning("interrupted")
        fail(
            "interrupted; every finished trial is kept in the study and the tables were written",
            code=130,
        )


def main() -> None:
    check_group_choices(sys.argv[1:], CONFIG_DIR)
    check_composes(sys.argv[1:])
    _run()


if __name__ == "__main__":
    main()
