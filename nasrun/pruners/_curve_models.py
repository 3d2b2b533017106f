"""Parametric learning-curve models and their weighted ensemble (Domhan et al., IJCAI 2015).

Each model maps the epoch ``x`` (1, 2, ...) to an accuracy and saturates as ``x`` grows. The
ensemble fits every model to the observed curve by bounded least squares and weights the fits
by their Akaike information criterion, so a flexible model only wins where the data support
it. Domhan et al. sample the posterior with MCMC; the AIC-weighted point fits give the same
kind of answer (a predictive mean and spread at the final epoch) at a fraction of the cost,
which matters because the prediction runs after every epoch of every trial.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit


@dataclass(frozen=True)
class CurveModel:
    name: str
    fn: Callable[..., np.ndarray]
    initial: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]


def _pow3(x, c, a, alpha):
    return c - a * x ** (-alpha)


def _log_power(x, a, b, c):
    return a / (1.0 + (x / math.e**b) ** (-c))


def _exp3(x, c, a, b):
    return c - np.exp(-a * x + b)


def _janoschek(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-kappa * x**delta)


def _mmf(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) / (1.0 + (kappa * x) ** delta)


def _weibull(x, alpha, beta, kappa, delta):
    return alpha - (alpha - beta) * np.exp(-((kappa * x) ** delta))


def _ilog2(x, c, a):
    return c - a / np.log(x + 1.0)


# Bounds keep every model increasing and its asymptote a valid accuracy in [0, 1].
MODELS: tuple[CurveModel, ...] = (
    CurveModel("pow3", _pow3, (0.9, 0.5, 1.0), (0.0, 0.0, 0.01), (1.0, 10.0, 10.0)),
    CurveModel("log_power", _log_power, (0.9, 0.0, 1.0), (0.0, -10.0, 0.01), (1.0, 10.0, 10.0)),
    CurveModel("exp3", _exp3, (0.9, 0.5, 0.0), (0.0, 0.0, -10.0), (1.0, 10.0, 10.0)),
    CurveModel(
        "janoschek", _janoschek, (0.9, 0.1, 0.5, 1.0), (0.0, 0.0, 0.0, 0.01), (1.0, 1.0, 10.0, 5.0)
    ),
    CurveModel("mmf", _mmf, (0.9, 0.1, 0.5, 1.0), (0.0, 0.0, 0.0, 0.01), (1.0, 1.0, 10.0, 5.0)),
    CurveModel(
        "weibull", _weibull, (0.9, 0.1, 0.5, 1.0), (0.0, 0.0, 0.0, 0.01), (1.0, 1.0, 10.0, 5.0)
    ),
    CurveModel("ilog2", _ilog2, (0.9, 0.5), (0.0, 0.0), (1.0, 10.0)),
)


@dataclass(frozen=True)
class Prediction:
    mean: float
    std: float

    def probability_above(self, value: float) -> float:
        """P(final accuracy > ``value``) under a normal predictive distribution."""
        z = (value - self.mean) / max(self.std, 1e-9)
        return 0.5 * math.erfc(z / math.sqrt(2.0))


def extrapolate(
    epochs: Sequence[float], values: Sequence[float], target: float, noise_floor: float = 0.005
) -> Prediction:
    """Predicts the value at epoch ``target`` from the curve observed so far.

    The spread combines the disagreement between the weighted models with the fits' residual
    noise (at least ``noise_floor``: a few points are fitted almost exactly, yet the epoch-to-
    epoch noise of a validation accuracy is real), scaled up linearly with how far the
    prediction reaches beyond the data.
    """
    x = np.asarray(epochs, dtype=float)
    y = np.asarray(values, dtype=float)
    n = len(x)
    fits = []
    for model in MODELS:
        k = len(model.initial)
        if n <= k:  # a model needs more points than parameters to say anything
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                params, _ = curve_fit(
                    model.fn, x, y, p0=model.initial, bounds=(model.lower, model.upper), maxfev=2000
                )
            except (RuntimeError, ValueError):
                continue
        residual = y - model.fn(x, *params)
        mse = max(float(np.mean(residual**2)), 1e-8)
        prediction = float(np.clip(model.fn(np.asarray([target]), *params)[0], 0.0, 1.0))
        if math.isfinite(prediction):
            fits.append((n * math.log(mse) + 2 * k, prediction, mse))
    if not fits:  # too few points: the last value, with a wide spread
        return Prediction(float(y[-1]), 0.5)
    aic = np.array([f[0] for f in fits])
    weights = np.exp(-(aic - aic.min()) / 2.0)
    weights /= weights.sum()
    predictions = np.array([f[1] for f in fits])
    mean = float(weights @ predictions)
    model_var = float(weights @ (predictions - mean) ** 2)
    noise_var = max(float(weights @ np.array([f[2] for f in fits])), noise_floor**2)
    horizon = max(target - x[-1], 0.0) / max(x[-1], 1.0)
    std = math.sqrt(model_var + noise_var * (1.0 + horizon))
    # The curve so far is a floor in practice: accuracy rarely falls much by training longer.
    return Prediction(max(mean, float(y.max()) - std), std)
