"""The LSTM controller of Zoph & Le (2017) and the Optuna sampler machinery around it.

:class:`Controller` is the policy: an LSTM that emits one token per decision, each conditioned
on the tokens before it. :class:`ControllerSampler` turns it into an Optuna sampler; its
subclasses say only how the policy learns from one complete trial
(:class:`~nasrun.samplers.ReinforceSampler`, :class:`~nasrun.samplers.PPOSampler`).

The policy's state is a function of the study: it is trained by replaying the complete trials
in trial-number order, incrementally while the study only grows, from scratch (same seed) when
it sees anything else (a restart, another worker's trials finishing out of order, a changed
search space). So a restarted run or a second worker continues the same search. Threads of one
process (``n_jobs``) share one policy under the sampler's lock.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any

import optuna
import torch
from optuna.distributions import BaseDistribution, distribution_to_json
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState
from torch import nn

from nasrun.samplers._base import NasrunSampler
from nasrun.samplers._distributions import Encoding, trial_rng
from nasrun.samplers._history import study_trials


class Controller(nn.Module):
    """Zoph & Le, "Neural Architecture Search with Reinforcement Learning" (ICLR 2017).

    An LSTM emits the decisions one after another; the embedding of each chosen token is the
    next step's input, so later decisions are conditioned on earlier ones. Weights start
    uniform in [-0.08, 0.08] as in the paper, which makes the first policy nearly uniform.
    """

    def __init__(self, sizes: list[int], hidden_size: int = 64, seed: int = 0) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.start = nn.Parameter(torch.zeros(1, hidden_size))
        self.cell = nn.LSTMCell(hidden_size, hidden_size)
        self.heads = nn.ModuleList(nn.Linear(hidden_size, n) for n in self.sizes)
        self.embeddings = nn.ModuleList(nn.Embedding(n, hidden_size) for n in self.sizes)
        generator = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-0.08, 0.08, generator=generator)

    def forward(
        self,
        tokens: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Samples one sequence (``tokens=None``) or scores given ``tokens`` of shape (batch, D).

        Returns the tokens, their summed log-probability and the summed entropy, per sequence.
        """
        batch = 1 if tokens is None else tokens.shape[0]
        x = self.start.expand(batch, -1)
        state = None
        chosen, log_prob, entropy = [], torch.zeros(batch), torch.zeros(batch)
        for i, (head, embedding) in enumerate(zip(self.heads, self.embeddings, strict=True)):
            h, c = self.cell(x, state)
            state = (h, c)
            log_p = torch.log_softmax(head(h), dim=-1)
            if tokens is None:
                token = torch.multinomial(log_p.exp(), 1, generator=generator).squeeze(1)
            else:
                token = tokens[:, i]
            chosen.append(token)
            log_prob = log_prob + log_p.gather(1, token[:, None]).squeeze(1)
            entropy = entropy - (log_p.exp() * log_p).sum(-1)
            x = embedding(token)
        return torch.stack(chosen, dim=1), log_prob, entropy


class ControllerSampler(NasrunSampler):
    """An Optuna sampler driven by a :class:`Controller` (relative sampling over the search space).

    The relative search space is the intersection of the complete trials' parameters; before
    any trial completes, and for parameters outside it (conditional or dynamic ones), values are
    drawn uniformly at random. Numeric parameters are cut into ``n_bins`` bins for the policy.
    Rewards are the objective values (sign-flipped when minimising); failed trials have none and
    teach nothing. Advantages are the reward minus an exponential-moving-average baseline,
    divided by the standard deviation of the rewards seen so far, so the learning rate does not
    depend on the objective's units.
    """

    def __init__(
        self,
        lr: float = 0.05,
        entropy_weight: float = 1e-3,
        baseline_decay: float = 0.9,
        hidden_size: int = 64,
        n_bins: int = 10,
        seed: int | None = None,
    ) -> None:
        if lr <= 0 or entropy_weight < 0 or not 0 <= baseline_decay < 1 or hidden_size < 1:
            raise ValueError("need lr > 0, entropy_weight >= 0, 0 <= baseline_decay < 1")
        super().__init__(seed)
        self.lr, self.entropy_weight, self.baseline_decay = lr, entropy_weight, baseline_decay
        self.hidden_size, self.n_bins = hidden_size, n_bins
        self._key: tuple | None = None
        self._seen: list[int] = []

    # -- the policy's state, rebuilt from the study ----------------------------------------

    def _reset(self, key: tuple, search_space: dict[str, BaseDistribution]) -> None:
        self._key, self._seen = key, []
        self.encoding = Encoding(search_space, self.n_bins)
        self.controller = Controller(self.encoding.sizes, self.hidden_size, self._seed)
        self.optimizer = torch.optim.Adam(self.controller.parameters(), lr=self.lr)
        self._baseline: float | None = None
        self._rewards = _RunningMoments()
        self._start_learning()

    def _sync(self, study: optuna.Study, search_space: dict[str, BaseDistribution]) -> None:
        """Brings the policy up to date with the study's complete trials, in number order."""
        maximise = study.direction == StudyDirection.MAXIMIZE
        history = [
            t
            for t in study_trials(study, (TrialState.COMPLETE,))
            if all(name in t.params for name in search_space) and math.isfinite(t.value)
        ]
        history.sort(key=lambda t: t.number)
        key = tuple((n, distribution_to_json(d)) for n, d in sorted(search_space.items()))
        numbers = [t.number for t in history]
        if key != self._key or numbers[: len(self._seen)] != self._seen:
            self._reset(key, search_space)
        for t in history[len(self._seen) :]:
            reward = t.value if maximise else -t.value
            tokens = torch.tensor([self.encoding.encode(t.params)])
            self._learn(tokens, self._advantage(reward))
            self._seen.append(t.number)

    def _advantage(self, reward: float) -> float:
        self._rewards.add(reward)
        if self._baseline is None:
            self._baseline = reward
        advantage = reward - self._baseline
        self._baseline = self.baseline_decay * self._baseline + (1 - self.baseline_decay) * reward
        std = self._rewards.std()
        return advantage / std if std > 0 else 0.0

    @abstractmethod
    def _start_learning(self) -> None:
        """Resets what the learning rule keeps besides the controller (e.g. a batch)."""

    @abstractmethod
    def _learn(self, tokens: torch.Tensor, advantage: float) -> None:
        """Learns from one complete trial's ``tokens`` (shape (1, D)) and its advantage."""

    # -- the Optuna sampler interface ------------------------------------------------------

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        rng = trial_rng(self._seed, trial.number, "controller")
        # One lock for syncing and sampling: another thread may be rebuilding the policy or
        # taking an Adam step on the very weights this forward pass reads.
        with self._lock:
            self._sync(study, search_space)
            if not self._seen:  # nothing to learn from yet: stay with uniform random draws
                return {}
            generator = torch.Generator().manual_seed(int(rng.randint(2**31)))
            with torch.no_grad():
                tokens, _, _ = self.controller(generator=generator)
            return self.encoding.decode(tokens[0].tolist(), rng)


class _RunningMoments:
    """Welford's running mean and variance."""

    def __init__(self) -> None:
        self.n, self.mean, self._m2 = 0, 0.0, 0.0

    def add(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self._m2 += delta * (x - self.mean)

    def std(self) -> float:
        return math.sqrt(self._m2 / (self.n - 1)) if self.n > 1 else 0.0
