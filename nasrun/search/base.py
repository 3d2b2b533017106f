"""The search interface: one ``run`` for every strategy, discrete or one-shot (DESIGN.md §3)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import optuna

    from nasrun.budget import Budget
    from nasrun.estimators import Estimator
    from nasrun.search.recorder import Recorder
    from nasrun.spaces import SearchSpace


class Search(ABC):
    """A search strategy. It drives ``study`` until ``budget`` is reached, scoring architectures
    of ``space`` with ``estimator`` and leaving every evaluation as a trial through ``recorder``."""

    #: The name tables group by, when the config group's choice is not known.
    name: str = ""
    #: Whether several workers may share this search's study (``workers=N``).
    parallel: bool = True

    def check(self, space: SearchSpace, estimator: Estimator) -> None:
        """Refuses a space or estimator this search cannot work with. Called before the study
        is opened, so that a bad combination leaves no study behind; nothing by default."""
        return None

    #: Whether a run without ``study=`` gets a study of its own (a taken name gets ``-2``,
    #: ``-3``, ...); False: it reopens the study of its name (a one-shot search's checkpoint).
    fresh_study: bool = True

    def study_name(self, names: dict[str, str], config_digest: str) -> str:
        """The study a run without ``study=`` uses: ``<experiment or space>-<search>-<dataset>-
        seed<k>``, a name a person can tell apart in optuna-dashboard."""
        return f"{names['label']}-{names['search']}-{names['dataset']}-seed{names['seed']}"

    @abstractmethod
    def run(
        self,
        study: optuna.Study,
        space: SearchSpace,
        estimator: Estimator,
        budget: Budget,
        recorder: Recorder,
    ) -> None:
        """Runs (or continues) the search; every finished evaluation is already in ``study``."""
