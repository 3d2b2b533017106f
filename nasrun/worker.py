"""``python -m nasrun.worker FOLDER``: one extra worker of a ``workers=N`` run.

Reads ``FOLDER/worker.json`` (the run's resolved config, its study, this worker's index),
logs to ``FOLDER/nasrun.log`` and writes its tables into ``FOLDER``, as a ``nasrun`` run would.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import optuna
from omegaconf import OmegaConf

from nasrun.cli.errors import fail
from nasrun.errors import NasrunError, exit_code, raise_on_sigterm
from nasrun.experiment import Experiment
from nasrun.training.threads import set_threads
from nasrun.workers import SPEC


def main(argv: list[str] | None = None) -> None:
    folder = Path((argv or sys.argv[1:])[0])
    spec = json.loads((folder / SPEC).read_text())
    cfg = OmegaConf.create(spec["config"])
    logging.basicConfig(
        filename=folder / "nasrun.log",
        level=logging.INFO,
        format="[%(asctime)s][%(name)s][%(levelname)s] - %(message)s",
    )
    # As in the CLI: Optuna's messages go to the log file, not the console.
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    raise_on_sigterm()  # pre-emption: the running trial is marked FAIL, the tables written
    try:
        set_threads(cfg.threads, {"n_jobs": spec["local_workers"]})
        Experiment.from_config(cfg, folder, spec["choices"]).run()
    except NasrunError as error:
        fail(str(error))
    except KeyboardInterrupt as interrupt:
        logging.getLogger(__name__).warning("interrupted")
        fail("worker interrupted; its finished trials are in the study", exit_code(interrupt))


if __name__ == "__main__":
    main()
