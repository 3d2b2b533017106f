"""One-shot search through the CLI: records, alphas history, one-line refusals, and resume
after ``kill -9``. (In-process behaviour is tested in tests/oneshot.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.conftest import BIN, TINY, run_cli, run_dir_results

DARTS = [*TINY, "search=darts", "search.epochs=3", "search.batch_size=128"]


def test_darts_runs_and_writes_its_alpha_history(tmp_path):
    run_cli(tmp_path, *DARTS, "hydra.run.dir=run")
    trials, summary = run_dir_results(tmp_path / "run")
    assert trials["epoch"].tolist() == [1, 2, 3] and (trials["state"] == "COMPLETE").all()
    assert summary["search"] == "darts" and summary["estimator"] == "one_shot"
    assert (tmp_path / "run" / "alphas.png").stat().st_size > 1000
    history = (tmp_path / "run" / "alphas.csv").read_text().splitlines()
    assert history[0] == "epoch,group,edge,choice,weight" and history[-1].startswith("3,")


def test_discrete_search_on_a_trained_supernet(tmp_path):
    run_cli(
        tmp_path,
        *TINY,
        "estimator=one_shot",
        "estimator.epochs=2",
        "budget.trials=4",
        "hydra.run.dir=run",
    )
    trials, summary = run_dir_results(tmp_path / "run")
    assert summary["n_complete"] == 4 and trials["fidelity"].eq("supernet_epochs=2").all()


def test_killed_darts_resumes_and_ends_like_an_uninterrupted_run(tmp_path):
    run_cli(tmp_path, *DARTS, "search.epochs=5", "output_root=a", "hydra.run.dir=a/run")
    reference_trials, reference = run_dir_results(tmp_path / "a" / "run")

    command = [str(BIN / "nasrun"), *DARTS, "search.epochs=5", "output_root=b", "verbose=false"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    worker = subprocess.Popen([*command, "hydra.run.dir=b/first"], cwd=tmp_path, env=env)
    checkpoints = tmp_path / "b" / "checkpoints"
    deadline = time.time() + 300
    while not list(checkpoints.glob("*.pt")) and time.time() < deadline and worker.poll() is None:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)  # after epoch 1 (or a little later): no clean shutdown
    worker.wait()

    run_cli(tmp_path, *command[1:], "hydra.run.dir=b/second")
    trials, resumed = run_dir_results(tmp_path / "b" / "second")
    assert resumed["best_arch"] == reference["best_arch"]
    assert resumed["study"] == reference["study"] and resumed["study"].startswith("chain-darts-")
    assert trials["epoch"].max() == 5 and set(trials["epoch"]) == {1, 2, 3, 4, 5}
    # The last epoch, trained after the resume, matches the uninterrupted run exactly.
    last, reference_last = trials.iloc[-1], reference_trials.iloc[-1]
    assert (last["arch"], last["value"]) == (reference_last["arch"], reference_last["value"])


def test_a_bad_compile_value_is_one_line(tmp_path):
    proc = run_cli(tmp_path, *DARTS, "search.compile=fast", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "search.compile must be true, false or a mode" in proc.stderr


def test_a_compiled_supernet_keeps_its_weights_outputs_and_study(tmp_path):
    import torch

    from nasrun.search.one_shot import compile_in_place
    from tests.conftest import make_experiment

    eager = make_experiment(tmp_path, *DARTS[len(TINY) :])
    compiled = make_experiment(tmp_path, *DARTS[len(TINY) :], "search.compile=true", run="c")
    assert compiled.study.study_name == eager.study.study_name  # a compiled run resumes it
    net = eager.estimator.build_supernet(0)
    keys, x = list(net.state_dict()), torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        expected = net(x)
        compile_in_place(net, True, backend="aot_eager")  # no code generation: fast on CPU
        assert list(net.state_dict()) == keys
        assert torch.allclose(net(x), expected, atol=1e-5)
