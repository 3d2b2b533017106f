"""The chaos test, small: workers SIGKILLed mid-trial and restarted lose nothing.

``scripts/chaos.py`` with 3 kills (the full run, 10 kills, is in docs/benchmarks.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "chaos.py"


# Slow, and not yet reliable: near the end of the budget a killed trial's retry can lose its
# place to fresh trials and is then never run (not_rerun=1), and on a quiet machine the
# budget can end before the third mid-trial kill (issue #11 stays open for this).
@pytest.mark.slow
def test_killed_workers_lose_no_trial(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--kills", "3", "--trials", "20", "--folder", str(tmp_path)],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    figures = dict(item.split("=") for item in line.split())
    assert figures["finished"] == figures["budget"] == "20"
    assert figures["kills"] == figures["killed_trials"] == "3"
    assert figures["lost"] == figures["stuck"] == figures["duplicated"] == "0"
    assert figures["not_failed"] == figures["not_rerun"] == "0"
