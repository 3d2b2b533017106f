"""optuna-dashboard shows a nasrun study, looked at in a real headless browser (Debian's
``chromium --dump-dom``). Optional: skipped, with the reason, without optuna-dashboard
(``pip install optuna-dashboard``) or Chromium (``apt-get install chromium``)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import make_experiment

pytestmark = pytest.mark.slow


def _browser() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium on PATH (apt-get install chromium)")
    pytest.importorskip("optuna_dashboard", reason="pip install optuna-dashboard")
    return browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_dashboard_shows_the_metric_name_and_the_architectures(tmp_path):
    browser = _browser()
    journal = tmp_path / "study.log"
    experiment = make_experiment(tmp_path, "budget.trials=2", f"storage={journal}")
    experiment.run()
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "optuna-dashboard"),
            str(journal),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        studies = None
        for _ in range(60):  # the server starts in a second or two
            try:
                with urllib.request.urlopen(f"{url}/api/studies", timeout=1) as response:
                    studies = json.load(response)["study_summaries"]
                break
            except OSError:
                time.sleep(0.5)
        assert studies, "optuna-dashboard did not answer"
        study_id = studies[0]["study_id"]  # a journal's first study is 0, a database's 1
        study = f"{url}/dashboard/studies/{study_id}"
        history, trials = _page(browser, study), _page(browser, f"{study}/trials")
    finally:
        server.terminate()
        server.wait(timeout=30)
    # The history plot's axis: the metric's name (valid_acc is no user attribute), not
    # "Objective 0"; the trial list: each trial's architecture string.
    assert "valid_acc" in history and "Objective 0" not in history
    assert experiment.study.trials[0].user_attrs["arch"] in trials


def _page(browser: str, url: str) -> str:
    """The page as headless Chromium renders it (after its scripts have fetched the study)."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu"]
    command += ["--virtual-time-budget=15000", "--dump-dom", url]
    return subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
