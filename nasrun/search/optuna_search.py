"""Discrete search: an Optuna sampler (and pruner) proposes, the estimator scores, one trial each."""

from __future__ import annotations

import inspect
import math
import random
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import optuna
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.trial import TrialState

from nasrun.budget import Budget, Turn
from nasrun.errors import NasrunError
from nasrun.estimators.base import Pruned
from nasrun.search.base import Search
from nasrun.storage_errors import DATABASE_ERRORS, StorageFailed, storage_errors
from nasrun.training.device import free_device_memory

if TYPE_CHECKING:
    from nasrun.estimators import Estimator
    from nasrun.hpo import HyperParameters
    from nasrun.search.recorder import Recorder
    from nasrun.spaces import SearchSpace

SamplerFactory = Callable[..., optuna.samplers.BaseSampler]
Objective = Callable[[optuna.Trial], float]
#: Apart enough that two workers' sampler seeds never meet by resuming (seed + trials so far).
WORKER_SEED_STRIDE = 1_000_003


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
        # Each worker on a shared study draws its own points: offset by the trials already
        # there (a resumed study) and by the worker's index (workers started together).
        offset = len(study.get_trials(deepcopy=False)) + WORKER_SEED_STRIDE * recorder.worker_index
        study.sampler = self._sampler(self.seed + offset, space)
        study.pruner = self.pruner or optuna.pruners.NopPruner()
        if budget.reached(study):
            return

        def evaluate(trial: optuna.Trial) -> float:
            try:
                with recorder.drawing(trial):
                    arch = space.suggest(trial)
                    hyperparameters = self.hpo.suggest(trial) if self.hpo is not None else {}
                result = estimator.evaluate(
                    arch, _reporting(trial), hyperparameters, on_epoch=recorder.epoch_done
                )
            except Pruned as pruned:  # what the trial measured before it was stopped
                recorder.record(trial, arch, pruned.result)
                raise
            except optuna.TrialPruned:
                raise
            except Exception as error:  # recorded; the search goes on (catch= below)
                recorder.failed(trial, error)
                raise
            except KeyboardInterrupt as interrupt:  # Ctrl-C, SIGTERM: Optuna fails the trial
                recorder.failed(trial, interrupt)
                raise
            value = recorder.record(trial, arch, result)
            values = value if isinstance(value, list) else [value]  # several: multi-objective
            if not all(map(math.isfinite, values)):  # Optuna fails the trial; the table says why
                recorder.failed(trial, ValueError(f"the objective value is {value}"))
            return value

        def objective(trial: optuna.Trial) -> float:
            try:
                if not budget.admits(study, trial.number):
                    raise _NotAdmitted(trial)
                return evaluate(trial)
            except DATABASE_ERRORS as error:  # the run's failure, not the trial's: one line
                raise StorageFailed(error) from error

        with recorder.showing(study), storage_errors(), _without_optunas_trial_lines():
            _optimize(study, objective, budget, _Stopper(budget, recorder))

    def check(self, space: SearchSpace, estimator: Estimator) -> None:
        """Builds the sampler once, so that one that cannot search ``space`` (grid on a space
        too large to list) and a mismatched ``hpo`` fail before the study is opened."""
        sampler = self._sampler(self.seed, space)
        if self.hpo is not None:
            self.hpo.check(estimator, sampler, self.pruner or optuna.pruners.NopPruner())

    def _sampler(self, seed: int, space: SearchSpace) -> optuna.samplers.BaseSampler:
        extra = {"space": space} if "space" in _parameters(self.sampler) else {}
        try:
            return self.sampler(seed=seed, **extra)
        except NasrunError:
            raise
        except Exception as error:
            raise NasrunError(f"search.sampler: {error}") from None


def _optimize(study: optuna.Study, objective: Objective, budget: Budget, stopper: _Stopper) -> None:
    """``study.optimize`` in turns, until the shared budget is reached.

    When every place of the budget is taken by other workers' running trials, this worker
    waits: with heartbeats one of them may die, and its trial is then failed and re-queued for
    this worker to run. It waits while the running trials change (finish, fail); after two
    grace periods without a change they are alive, or carry no heartbeat (Optuna never calls
    those stale), and it leaves them to their workers. Without heartbeats it leaves at once.
    """
    deadline = None if budget.seconds is None else time.monotonic() + budget.seconds
    interval, grace = _heartbeat(study)
    seen, since = None, time.monotonic()
    while not stopper.gave_up:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return
        turn = budget.turn(study)
        if turn is Turn.DONE or (turn is Turn.WAIT and not interval):
            return
        if turn is Turn.WAIT:
            running = {t.number for t in study.get_trials(False, states=(TrialState.RUNNING,))}
            if running != seen:
                seen, since = running, time.monotonic()
            elif time.monotonic() - since > 2 * grace:
                return
            time.sleep(min(interval * random.uniform(0.5, 1.0), remaining or interval))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
            continue
        try:
            study.optimize(
                objective,
                timeout=remaining,
                catch=(Exception,),
                callbacks=[stopper],
                gc_after_trial=False,
            )
        except _NotAdmitted as late:
            # Failed, with the reason, never run. Put back in the queue it could stand before
            # a re-run that holds an earlier place, and every worker would pop it in turn,
            # forever; the sampler draws another point when a place frees.
            storage, trial_id = study._storage, late.trial._trial_id
            storage.set_trial_user_attr(trial_id, "fail_reason", str(late))
            storage.set_trial_state_values(trial_id, TrialState.FAIL)


@contextmanager
def _without_optunas_trial_lines() -> Iterator[None]:
    """Optuna's line for each finished trial reads the study's best trial and metric names from
    the storage, a millisecond a trial on SQLite; the recorder logs its own line instead.
    Optuna's warnings (a failed trial, with its traceback) still come."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(level, optuna.logging.WARNING))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


def _reporting(trial: optuna.Trial) -> optuna.Trial:
    """``trial``, or for a multi-objective study (where Optuna takes no intermediate values and
    prunes nothing) a view of it whose ``report`` is dropped and ``should_prune`` is False."""
    return trial if len(trial.study.directions) == 1 else _Unreported(trial)  # type: ignore[return-value]


class _Unreported:
    def __init__(self, trial: optuna.Trial) -> None:
        self._trial = trial

    def __getattr__(self, name: str) -> Any:
        return getattr(self._trial, name)

    def report(self, value: float, step: int) -> None:
        return None

    def should_prune(self) -> bool:
        return False


def _heartbeat(study: optuna.Study) -> tuple[int | None, float]:
    """The storage's heartbeat interval (None: no heartbeats) and grace period, in seconds."""
    # Optuna has no public accessor for a study's storage; its own callbacks use this one.
    storage = study._storage
    interval = storage.get_heartbeat_interval() if isinstance(storage, BaseHeartbeat) else None
    backend = getattr(storage, "_backend", storage)  # RDB storages come wrapped in a cache
    grace = getattr(backend, "grace_period", None) or 2 * (interval or 0)
    return interval, grace


class _NotAdmitted(BaseException):
    """Raised in the objective for a trial beyond the budget's places. A ``BaseException``, so
    that Optuna does not tell the trial nor call the callbacks: it is no failure of the run."""

    def __init__(self, trial: optuna.Trial) -> None:
        super().__init__(f"not run: trial {trial.number} is beyond the study's budget")
        self.trial = trial


class _Stopper:
    """Ends ``study.optimize`` at the budget, when no place of it is left for this worker, or
    after too many failures in a row (then ``gave_up``)."""

    def __init__(self, budget: Budget, recorder: Recorder) -> None:
        self.budget, self.recorder, self.failures, self.gave_up = budget, recorder, 0, False

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        trials = study.get_trials(deepcopy=False)  # one read serves the display and the budget
        self.recorder.finished(study, trial, trials)
        failed = trial.state == TrialState.FAIL
        self.failures = self.failures + 1 if failed else 0
        if failed:  # e.g. out of CUDA memory: the next trial gets the device back
            free_device_memory()
        if self.failures >= self.budget.failure_limit:
            self.gave_up = True
            self.recorder.say(
                f"[red]stopping: {self.failures} trials failed in a row[/] "
                "(see fail_reason in trials.csv)"
            )
            study.stop()
        elif self.budget.turn(study, trials) is not Turn.START:
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
