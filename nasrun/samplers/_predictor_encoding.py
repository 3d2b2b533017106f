"""How predictor-guided search shows a trial to its predictor: the one-hot token encoding (for a
cell space, the op on each edge: the adjacency encoding) or BANANAS' path encoding."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np

from nasrun.errors import NasrunError
from nasrun.samplers._history import one_hot

ENCODINGS = ("one_hot", "path")

#: A cell edge's decision name, as the nb201 space spells it: node ``i`` reads node ``j``.
EDGE = re.compile(r"node(\d+)_in(\d+)$")


class PathEncoding:
    """White et al., "BANANAS" (AAAI 2021), Section 4: one binary feature per sequence of ops
    that an input-to-output path of the cell can carry. Paths of the same length share their
    features, as in NASLib's ``encode_paths`` for NAS-Bench-201, where the cell's four paths
    (lengths 1, 2, 2, 3) give 5 + 5**2 + 5**3 = 155 features. Decisions that are not edges
    (hyperparameters beside the cell) are appended one-hot.

    ``names`` and ``sizes`` are an :class:`~nasrun.samplers._distributions.Encoding`'s.
    """

    def __init__(self, names: list[str], sizes: list[int]) -> None:
        edges = {
            (int(m[1]), int(m[2])): k for k, name in enumerate(names) if (m := EDGE.match(name))
        }
        if not edges:
            raise NasrunError(
                "encoding=path needs a cell space whose decisions are edges nodeI_inJ "
                "(space=nb201); use encoding=one_hot"
            )
        n_ops = {sizes[k] for k in edges.values()}
        if len(n_ops) != 1:
            raise NasrunError("encoding=path needs the same ops on every edge of the cell")
        self.n_ops = n_ops.pop()
        self.paths = _paths(edges, output=max(i for i, _ in edges))
        lengths = sorted({len(path) for path in self.paths})
        offsets = np.cumsum([0] + [self.n_ops**length for length in lengths])
        self._offset = dict(zip(lengths, offsets[:-1].tolist(), strict=True))
        self.n_path_features = int(offsets[-1])
        self._others = [k for k in range(len(names)) if k not in edges.values()]
        self._other_sizes = [sizes[k] for k in self._others]

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64).reshape(len(rows), -1)
        features = np.zeros((len(rows), self.n_path_features), dtype=np.float32)
        for path in self.paths:
            # NASLib's index: the op nearest the input is the lowest digit, base n_ops.
            index = self._offset[len(path)] + sum(
                rows[:, k] * self.n_ops**j for j, k in enumerate(path)
            )
            features[np.arange(len(rows)), index] = 1.0
        if not self._others:
            return features
        return np.hstack([features, one_hot(rows[:, self._others], self._other_sizes)])


def _paths(edges: dict[tuple[int, int], int], output: int) -> list[list[int]]:
    """Every path from node 0 to ``output``, as the decision indices of its edges, input first."""
    paths: dict[int, list[list[int]]] = {0: [[]]}
    for node in range(1, output + 1):
        paths[node] = [
            [*path, k]
            for (i, j), k in sorted(edges.items())
            if i == node
            for path in paths.get(j, [])
        ]
    return paths[output]


def featuriser(
    encoding: str, names: list[str], sizes: list[int]
) -> Callable[[np.ndarray], np.ndarray]:
    """Token rows -> the predictor's input features, for ``encoding`` (one of ENCODINGS)."""
    if encoding == "path":
        return PathEncoding(names, sizes)
    return functools.partial(one_hot, sizes=sizes)  # a partial, not a lambda: it pickles
