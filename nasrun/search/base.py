"""The search interface: one ``run`` for every strategy, discrete or one-shot (DESIGN.md §3)."""

from __future__ import annotations

import datetime
import uuid
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

    def study_name(self, names: dict[str, str], config_digest: str) -> str:
        """The study a run without ``study=`` uses: a fresh one per run by default."""
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        parts = (names["space"], names["search"], names["estimator"], stamp, uuid.uuid4().hex[:6])
        return "-".join(parts)

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
