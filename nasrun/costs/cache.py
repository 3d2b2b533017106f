"""Building a latency table once per device and keeping it: a JSON file under the output root,
named by the device and torch version it was measured with, to which each new space or input
shape adds only the layers not yet measured."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from nasrun.costs.probes import probe_chains, time_in_place
from nasrun.costs.table import LatencyTable
from nasrun.costs.timing import DEFAULT_TIMING, Timing, device_label, fixed_threads, measure_ms
from nasrun.errors import NasrunError
from nasrun.report.results import write_atomic


def table_path(output_root: str | Path, label: str, suffix: str) -> Path:
    """``<output_root>/latency/<device>-torch<version>-batch<n>-<clock>-<statistic>.json``."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", label).strip("-").lower()
    version = re.sub(r"[^A-Za-z0-9.]+", "-", torch.__version__)
    return Path(output_root) / "latency" / f"{slug}-torch{version}-{suffix}.json"


def _load(path: Path) -> dict[str, float]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        return {str(k): float(v) for k, v in data["layers"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise NasrunError(
            f"latency table {path} is damaged; delete it to measure the layers again"
        ) from None


def latency_table(
    space: Any,
    num_classes: int,
    input_shape: Sequence[int],
    device: str | torch.device = "cpu",
    output_root: str | Path = "outputs",
    timing: Timing = DEFAULT_TIMING,
) -> LatencyTable:
    """The latency table of ``space`` at ``input_shape`` on ``device``: read from the cache file
    (:func:`table_path`), measuring and adding the layers it lacks, each as ``timing`` says (on
    the CPU with ``timing.threads`` intra-op threads)."""
    device = torch.device(device)
    with fixed_threads(device, timing.threads):
        label = device_label(device, timing.threads)
        path = table_path(output_root, label, timing.suffix(device))
        entries = _load(path)
        wanted = space.all_layer_specs(num_classes, input_shape)
        missing = {s.key for s in wanted if s.key not in entries}
        if missing:
            # Timed in place inside the probe networks that hold a missing layer; the rest
            # (layers between two stage widths) alone.
            chains = probe_chains(space, num_classes, input_shape)
            chains = [c for c in chains if any(s.key in missing for s in c)]
            found = time_in_place(chains, device, timing)
            entries.update({k: v for k, v in found.items() if k in missing})
            for spec in sorted((s for s in wanted if s.key not in entries), key=lambda s: s.key):
                x = spec.input(timing.batch, device)
                entries[spec.key] = measure_ms(spec.build().to(device), x, timing)
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {
                "device": label,
                "torch": torch.__version__,
                "timing": dataclasses.asdict(timing) | {"clock": timing.clock_on(device)},
                "layers": dict(sorted(entries.items())),
            }
            write_atomic(path, json.dumps(record, indent=1))
    return LatencyTable(space, num_classes, input_shape, entries, label, path, len(missing))
