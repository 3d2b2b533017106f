"""What the model-based samplers read from a study: the scored trials and the points already
proposed, as token rows of an :class:`~nasrun.samplers._distributions.Encoding`."""

from __future__ import annotations

import math

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from nasrun.samplers._distributions import Encoding


def study_trials(
    study: optuna.Study, states: tuple[TrialState, ...] | None = None
) -> list[FrozenTrial]:
    """The study's trials as Optuna's own samplers read them while a trial is drawn: from one
    snapshot per trial (taken at the first read after ``ask``), not one read of the storage per
    call: on a database each read is a query, several per trial for a table look-up's
    microseconds."""
    return study._get_trials(deepcopy=False, states=states, use_cache=True)


def scored_trials(
    study: optuna.Study, names: list[str], before: int | None = None
) -> list[tuple[FrozenTrial, float]]:
    """Complete trials with a finite value and every parameter in ``names``, in number order,
    each with its reward (the value, sign-flipped when the study minimises)."""
    sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
    trials = [
        (t, sign * t.value)
        for t in study_trials(study, (TrialState.COMPLETE,))
        if (before is None or t.number < before)
        and math.isfinite(t.value)
        and all(name in t.params for name in names)
    ]
    return sorted(trials, key=lambda pair: pair[0].number)


def proposed_tokens(study: optuna.Study, encoding: Encoding) -> set[tuple[int, ...]]:
    """The token rows of every trial already in the study (any state): not to be proposed again."""
    return {
        tuple(encoding.encode(t.params))
        for t in study_trials(study)
        if all(name in t.params for name in encoding.names)
    }


def space_distributions(space) -> dict[str, BaseDistribution]:
    """The distributions ``space.suggest`` declares, known before any trial completes."""
    if space is None:
        return {}
    return {d.name: CategoricalDistribution(d.choices) for d in space.decisions}


def one_hot(rows: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Token rows of shape (n, D) as concatenated one-hot vectors (an adjacency/op encoding)."""
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, len(sizes))
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    encoded = np.zeros((rows.shape[0], int(sum(sizes))), dtype=np.float32)
    encoded[np.arange(rows.shape[0])[:, None], rows + offsets] = 1.0
    return encoded
