"""``nasrun``: the experiment runner (a Hydra app; this module only wires pieces together)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import optuna
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from nasrun.cli.errors import check_composes, check_group_choices, fail
from nasrun.errors import NasrunError
from nasrun.schema import RunSchema  # noqa: F401  (registers the typed config schema)

# nasrun/configs is the checkout's top-level configs/ (a link there; a real folder in a wheel).
CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _run(cfg: DictConfig) -> None:
    from nasrun.experiment import Experiment  # torch import after arg parsing keeps --help fast

    hydra_cfg = HydraConfig.get()
    # Optuna's per-trial messages (and tracebacks of failed trials) go to the run's log file;
    # the console shows progress and one line per failure instead.
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    try:
        experiment = Experiment.from_config(
            cfg, hydra_cfg.runtime.output_dir, dict(hydra_cfg.runtime.choices)
        )
        experiment.run()
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
    check_composes(sys.argv[1:], CONFIG_DIR)
    _run()


if __name__ == "__main__":
    main()
