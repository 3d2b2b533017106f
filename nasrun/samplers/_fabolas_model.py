"""The BoTorch side of FABOLAS: fit the multi-fidelity GP, choose by cost-aware knowledge gradient.

Imported only when a proposal is made (BoTorch is slow to import). Inputs are numpy arrays of
encoded configurations (rows in the unit cube), fractions ``s``, values to maximise and costs.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import torch

with warnings.catch_warnings():  # GPyTorch's import-time torch.jit deprecation notice
    warnings.simplefilter("ignore", FutureWarning)
    from botorch.acquisition import LogExpectedImprovement, PosteriorMean
    from botorch.acquisition.cost_aware import InverseCostWeightedUtility
    from botorch.acquisition.knowledge_gradient import qMultiFidelityKnowledgeGradient
    from botorch.acquisition.utils import project_to_target_fidelity
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP, SingleTaskMultiFidelityGP
    from botorch.models.cost import AffineFidelityCostModel
    from botorch.optim import optimize_acqf
    from gpytorch.mlls import ExactMarginalLogLikelihood

DTYPE = torch.double


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, dtype=float), dtype=DTYPE)


def _fit(model):
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    return model


def _multi_fidelity_gp(x: np.ndarray, s: np.ndarray, y: np.ndarray) -> SingleTaskMultiFidelityGP:
    """The fraction is the last column; ``linear_truncated=False`` puts the downsampling kernel
    (FABOLAS' basis ``(1 - s)^2``-type kernel over the data fraction) on it."""
    inputs = torch.cat([_tensor(x).reshape(len(y), -1), _tensor(s)[:, None]], dim=1)
    d = inputs.shape[1] - 1
    return _fit(
        SingleTaskMultiFidelityGP(
            inputs, _tensor(y)[:, None], data_fidelities=[d], linear_truncated=False
        )
    )


def _at_target(x: np.ndarray, target: float) -> torch.Tensor:
    points = _tensor(x).reshape(len(x), -1)
    return torch.cat([points, torch.full((len(x), 1), target, dtype=DTYPE)], dim=1)


def incumbent(x: np.ndarray, s: np.ndarray, y: np.ndarray, target: float, seed: int) -> np.ndarray:
    """The evaluated configuration whose posterior mean at the full fraction is best."""
    torch.manual_seed(seed)
    model = _multi_fidelity_gp(x, s, y)
    with torch.no_grad():
        mean = PosteriorMean(model)(_at_target(x, target)[:, None, :])
    return np.asarray(x[int(mean.argmax())])


def _affine_cost(s: np.ndarray, cost: np.ndarray, fidelity: int) -> AffineFidelityCostModel:
    """cost = fixed + slope * s, by least squares on the measured costs (kept positive)."""
    if len(set(np.round(s, 12))) > 1:
        slope, fixed = np.polyfit(s, cost, 1)
    else:
        slope, fixed = float(np.mean(cost) / max(float(s[0]), 1e-9)), 0.0
    slope = max(float(slope), 1e-6)
    fixed = max(float(fixed), 1e-3 * slope)
    return AffineFidelityCostModel(fidelity_weights={fidelity: slope}, fixed_cost=fixed)


def knowledge_gradient(
    x: np.ndarray,
    s: np.ndarray,
    y: np.ndarray,
    cost: np.ndarray,
    fraction_bounds: tuple[float, float],
    seed: int,
    options: dict[str, int],
) -> tuple[np.ndarray, float]:
    """The (configuration, fraction) of most knowledge about the full-data optimum per cost."""
    torch.manual_seed(seed)
    model = _multi_fidelity_gp(x, s, y)
    dim = model.train_inputs[0].shape[-1]
    low, target = fraction_bounds
    with torch.no_grad():
        current = PosteriorMean(model)(_at_target(x, target)[:, None, :]).max()
    acquisition = qMultiFidelityKnowledgeGradient(
        model,
        num_fantasies=options["num_fantasies"],
        current_value=current,
        cost_aware_utility=InverseCostWeightedUtility(_affine_cost(s, cost, dim - 1)),
        project=partial(project_to_target_fidelity, target_fidelities={dim - 1: target}, d=dim),
    )
    bounds = torch.zeros(2, dim, dtype=DTYPE)
    bounds[1] = 1.0
    bounds[:, -1] = torch.tensor([low, target], dtype=DTYPE)
    candidate, _ = optimize_acqf(
        acquisition,
        bounds,
        q=1,
        num_restarts=options["num_restarts"],
        raw_samples=options["raw_samples"],
    )
    point = candidate.detach().reshape(-1).numpy()
    return point[:-1], float(np.clip(point[-1], low, target))


def expected_improvement(
    x: np.ndarray, y: np.ndarray, seed: int, options: dict[str, int]
) -> np.ndarray:
    """GP-BO without a fidelity: the point of largest log expected improvement."""
    torch.manual_seed(seed)
    inputs = _tensor(x).reshape(len(y), -1)
    model = _fit(SingleTaskGP(inputs, _tensor(y)[:, None]))
    bounds = torch.stack([torch.zeros(inputs.shape[1]), torch.ones(inputs.shape[1])]).to(DTYPE)
    acquisition = LogExpectedImprovement(model, best_f=float(np.max(y)))
    candidate, _ = optimize_acqf(
        acquisition,
        bounds,
        q=1,
        num_restarts=options["num_restarts"],
        raw_samples=options["raw_samples"],
    )
    return candidate.detach().reshape(-1).numpy()
