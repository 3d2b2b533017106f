"""Functional equivalence checking (FEC; Real et al. 2020, Section 4.2): an algorithm whose
predictions on a few examples equal those of an algorithm already scored reuses its fitness.

Two keys share one least-recently-used cache: the algorithm with its dead code removed (equal
programs compute equal functions, so they need not even run), and the rounded predictions on
the FEC examples. Keys are short digests, so the cache checkpoints as plain JSON.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import torch

from nasrun.automl_zero.algorithm import Algorithm

#: Predictions are compared to this absolute precision (float rounding of reordered sums).
DECIMALS = 6


def program_key(pruned: Algorithm) -> str:
    # An algorithm holds ints and floats only, whose hashes do not vary between processes.
    return "p%x" % (hash(pruned) & 0xFFFFFFFFFFFFFFFF)


def prediction_keys(predictions: torch.Tensor) -> list[str]:
    """One key per row of ``predictions`` (K, ...), equal when the rounded values are."""
    flat = predictions.reshape(len(predictions), -1).to(torch.float64)
    clean = torch.nan_to_num(flat, nan=3.0e15, posinf=2.0e15, neginf=-2.0e15).clamp(-1e15, 1e15)
    rounded = torch.round(clean * 10**DECIMALS).to(torch.int64).numpy()
    return ["f" + hashlib.blake2b(row.tobytes(), digest_size=10).hexdigest() for row in rounded]


class FitnessCache:
    """Least-recently-used ``key -> fitness`` with at most ``size`` entries."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.entries: OrderedDict[str, float] = OrderedDict()
        self.hits = 0
        self.lookups = 0

    def get(self, key: str) -> float | None:
        self.lookups += 1
        value = self.entries.get(key)
        if value is not None:
            self.hits += 1
            self.entries.move_to_end(key)
        return value

    def put(self, key: str, fitness: float) -> None:
        self.entries[key] = fitness
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def state_dict(self) -> dict:
        return {"entries": list(self.entries.items()), "hits": self.hits, "lookups": self.lookups}

    def load_state_dict(self, state: dict) -> None:
        self.entries = OrderedDict((k, float(v)) for k, v in state["entries"])
        self.hits, self.lookups = int(state["hits"]), int(state["lookups"])
