"""Issue #14's searches continue a study by ``study=`` through the real ``nasrun`` console
script on a tiny chain: the second run reports the trials it found and tops the study up."""

from __future__ import annotations

import pytest

from tests.conftest import TINY, make_experiment, run_cli, run_dir_results

#: Settings that let each search reach its own (non-random) proposals within three trials.
SEARCHES = {
    "metaqnn": ["search.sampler.schedule_trials=3"],
    "pnas": ["search.sampler.beam_size=2"],
    "predictor": ["search.sampler.n_initial=2", "search.sampler.epochs=20"],
    "es": ["search.sampler.population_size=2"],
    "fabolas": [
        "hpo=default",
        "hpo.epochs=null",
        "estimator.data_fraction=[0.25,1]",
        "search.sampler.n_startup_trials=2",
        "search.sampler.num_fantasies=2",
        "search.sampler.num_restarts=1",
        "search.sampler.raw_samples=8",
    ],
}


@pytest.mark.parametrize("search", SEARCHES)
def test_the_cli_resumes_a_study_by_name(tmp_path, search):
    args = (f"search={search}", *SEARCHES[search], "study=s")
    # The first run in-process (same config, same SQLite file the CLI opens from tmp_path):
    # one console-script start per search keeps the test short.
    make_experiment(tmp_path, *args, "budget.trials=2").run()
    proc = run_cli(tmp_path, *TINY, *args, "budget.trials=3", "hydra.run.dir=again")
    assert "nasrun: resuming study s in sqlite:///outputs/nasrun.db: 2 trials so far" in proc.stderr
    trials, summary = run_dir_results(tmp_path / "again")
    assert summary["n_complete"] == 3 and len(trials) == 3
