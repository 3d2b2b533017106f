"""Discrete search: an Optuna sampler (and pruner) proposes, the estimator scores, one trial each."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import optuna

from nasrun.budget import Budget, finished
from nasrun.errors import NasrunError
from nasrun.estimators.base import Pruned
from nasrun.search.base import Search

if TYPE_CHECKING:
    from nasrun.estimators import Estimator
    from nasrun.hpo import HyperParameters
    from nasrun.search.recorder import Recorder
    from nasrun.spaces import SearchSpace

SamplerFactory = Callable[..., optuna.samplers.BaseSampler]


class OptunaSearch(Search):
    """``study.optimize`` with a define-by-run objective: ``space.suggest(trial)`` (so any
    Optuna sampler searches any space), the estimator's ``evaluate``, the recorder's ``record``.

    ``sampler`` is a factory (``_partial_: true`` in YAML) called with the seed, offset by the
    trials already in the study so that a resumed study draws new points, and with the space when
    it takes one (``grid_sampler``). ``hpo`` adds training hyperparameters to every trial.
    """

    def __init__(
        self,
        sampler: SamplerFactory,
        pruner: optuna.pruners.BasePruner | None = None,
        hpo: HyperParameters | None = None,
        seed: int = 0,
        name: str | None = None,
    ) -> None:
        _check_arguments(sampler)
        self.sampler, self.pruner, self.hpo, self.seed = sampler, pruner, hpo, seed
        self.name = name or _default_name(sampler, pruner)

    def run(
        self,
        study: optuna.Study,
        space: SearchSpace,
        estimator: Estimator,
        budget: Budget,
        recorder: Recorder,
    ) -> None:
        study.sampler = self._sampler(self.seed + len(study.get_trials(deepcopy=False)), space)
        study.pruner = self.pruner or optuna.pruners.NopPruner()
        if self.hpo is not None:
            self.hpo.check(estimator, study.sampler, study.pruner)
        if budget.reached(study):
            return

        def objective(trial: optuna.Trial) -> float:
            recorder.started(trial)
            try:
                arch = space.suggest(trial)
                hyperparameters = self.hpo.suggest(trial) if self.hpo is not None else {}
                result = estimator.evaluate(
                    arch, trial, hyperparameters, on_epoch=recorder.epoch_done
                )
            except Pruned as pruned:  # what the trial measured before it was stopped
                recorder.record(trial, arch, pruned.result)
                raise
            except optuna.TrialPruned:
                raise
            except Exception as error:  # recorded; the search goes on (catch= below)
                recorder.failed(trial, error)
                raise
            return recorder.record(trial, arch, result)

        with recorder.showing(study, budget.trials, finished(study)):
            study.optimize(
                objective,
                timeout=budget.seconds,
                catch=(Exception,),
                callbacks=[_Stopper(budget, recorder)],
                gc_after_trial=False,
            )

    def _sampler(self, seed: int, space: SearchSpace) -> optuna.samplers.BaseSampler:
        extra = {"space": space} if "space" in _parameters(self.sampler) else {}
        try:
            return self.sampler(seed=seed, **extra)
        except NasrunError:
            raise
        except Exception as error:
            raise NasrunError(f"search.sampler: {error}") from None


class _Stopper:
    """Ends ``study.optimize`` at the budget, or after too many failures in a row."""

    def __init__(self, budget: Budget, recorder: Recorder) -> None:
        self.budget, self.recorder, self.failures = budget, recorder, 0

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self.recorder.finished(study, trial)
        failed = trial.state == optuna.trial.TrialState.FAIL
        self.failures = self.failures + 1 if failed else 0
        if self.budget.reached(study):
            study.stop()
        elif self.failures >= self.budget.max_consecutive_failures:
            self.recorder.say(
                f"[red]stopping: {self.failures} trials failed in a row[/] "
                "(see fail_reason in trials.csv)"
            )
            study.stop()


def _parameters(factory: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(getattr(factory, "func", factory)).parameters)


def _check_arguments(factory: Callable[..., Any]) -> None:
    """A mistyped sampler option fails when the config is built, not when the search starts."""
    parameters = _parameters(factory)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    unknown = set(getattr(factory, "keywords", {})) - set(parameters)
    if unknown and not takes_any:
        raise NasrunError(f"search.sampler: unknown options {sorted(unknown)}")


def _default_name(sampler: SamplerFactory, pruner: optuna.pruners.BasePruner | None) -> str:
    """E.g. ``tpe+hyperband``: the sampler's and pruner's class names, without the suffix."""
    func = getattr(sampler, "func", sampler)
    parts = [func.__name__.removesuffix("Sampler").removesuffix("_sampler").lower()]
    if pruner is not None and not isinstance(pruner, optuna.pruners.NopPruner):
        parts.append(type(pruner).__name__.removesuffix("Pruner").lower())
    return "+".join(parts)
