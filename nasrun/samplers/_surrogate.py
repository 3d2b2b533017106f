"""The performance predictor that PNAS and predictor-guided search share.

An ensemble of small MLPs on the one-hot encoding of a trial's tokens (for a cell space, the
op on each edge: the adjacency/one-hot encoding that White et al., "How Powerful are Performance
Predictors in NAS?" (NeurIPS 2021), find as good as path encodings on NAS-Bench-201; predictor
search can give it BANANAS' path encoding instead, :mod:`nasrun.samplers._predictor_encoding`), as in
BANANAS (White et al., AAAI 2021): each member has its own initialisation, the spread of their
predictions is the uncertainty an acquisition function reads. The members are trained together
as one batched network, so the ensemble costs one small network's steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch

from nasrun.samplers._history import one_hot


class EnsemblePredictor:
    """``n_members`` MLPs (two hidden layers of ``hidden`` units), full-batch Adam on the mean
    squared error of standardised targets. The same data and seed give the same predictor."""

    def __init__(
        self,
        n_members: int = 5,
        hidden: int = 32,
        epochs: int = 200,
        lr: float = 0.01,
        weight_decay: float = 1e-4,
        seed: int = 0,
    ) -> None:
        if n_members < 1 or hidden < 1 or epochs < 1 or lr <= 0:
            raise ValueError("need n_members, hidden and epochs >= 1 and lr > 0")
        self.n_members, self.hidden, self.epochs = n_members, hidden, epochs
        self.lr, self.weight_decay, self.seed = lr, weight_decay, seed
        self._weights: list[torch.Tensor] = []

    def _init(self, n_features: int) -> list[torch.Tensor]:
        generator = torch.Generator().manual_seed(self.seed)
        sizes = [n_features, self.hidden, self.hidden, 1]
        weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = 1.0 / fan_in**0.5  # PyTorch's nn.Linear initialisation
            for shape in ((self.n_members, fan_in, fan_out), (self.n_members, 1, fan_out)):
                w = (torch.rand(shape, generator=generator) * 2 - 1) * bound
                weights.append(w.requires_grad_())
        return weights

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """(n, features) -> (members, n) predictions in standardised units."""
        h = x.unsqueeze(0).expand(self.n_members, -1, -1)
        w = self._weights
        h = torch.relu(torch.baddbmm(w[1], h, w[0]))
        h = torch.relu(torch.baddbmm(w[3], h, w[2]))
        return torch.baddbmm(w[5], h, w[4]).squeeze(-1)

    def fit(self, x: np.ndarray, y: np.ndarray) -> EnsemblePredictor:
        x_t = torch.as_tensor(x, dtype=torch.float32)
        y_t = torch.as_tensor(y, dtype=torch.float32)
        self._mean = float(y_t.mean())
        self._scale = float(y_t.std()) if len(y_t) > 1 and float(y_t.std()) > 0 else 1.0
        target = ((y_t - self._mean) / self._scale).expand(self.n_members, -1)
        self._weights = self._init(x_t.shape[1])
        optimizer = torch.optim.Adam(self._weights, lr=self.lr, weight_decay=self.weight_decay)
        for _ in range(self.epochs):
            optimizer.zero_grad()
            loss = torch.mean((self._forward(x_t) - target) ** 2)
            loss.backward()
            optimizer.step()
        return self

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ensemble's mean and standard deviation for each row of ``x``."""
        with torch.no_grad():
            out = self._forward(torch.as_tensor(x, dtype=torch.float32)) * self._scale + self._mean
        return out.mean(0).numpy(), out.std(0, unbiased=False).numpy()


class SurrogateCache:
    """The last predictor fitted, kept while the data it was fitted on stays the same: PNAS fits
    once a step, and threads of one process share the fit (callers hold the sampler's lock)."""

    def __init__(self, **settings) -> None:
        self.settings = settings
        self._key: tuple | None = None
        self._predictor: EnsemblePredictor | None = None

    def fit(
        self,
        key: tuple,
        rows: np.ndarray,
        rewards: np.ndarray,
        sizes: list[int],
        seed: int,
        features: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> EnsemblePredictor:
        """Fits on ``features(rows)`` (default: the one-hot encoding of the token rows)."""
        key = (key, tuple(sizes), seed)
        if key != self._key or self._predictor is None:
            self._features = features or functools.partial(one_hot, sizes=sizes)
            self._predictor = EnsemblePredictor(seed=seed, **self.settings)
            self._predictor.fit(self._features(rows), rewards)
            self._key = key
        return self._predictor

    def predict(self, rows: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The fitted ensemble's mean and spread on token ``rows``, encoded as at fit time."""
        return self._predictor.predict(self._features(rows))
