"""The chaos test, small: workers SIGKILLed mid-trial and restarted lose nothing.

``scripts/chaos.py`` with 3 kills (the full run, 10 kills, is in docs/benchmarks.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "chaos.py"


def test_killed_workers_lose_no_trial(tmp_path):
    # 30 trials leave room for three mid-trial kills however fast the machine trains.
    args = ["--kills", "3", "--trials", "30", "--folder", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    figures = dict(item.split("=") for item in line.split())
    assert figures["finished"] == figures["budget"] == "30"
    assert figures["kills"] == figures["killed_trials"] == "3"
    assert figures["lost"] == figures["stuck"] == figures["duplicated"] == "0"
    assert figures["not_failed"] == figures["not_rerun"] == "0"
