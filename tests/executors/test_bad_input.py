"""Executor options a user gets wrong: one line on stderr, exit status 2, no run directory."""
from __future__ import annotations

import pytest

from nnplug.cli.errors import run_guarded
from nnplug.cli.train import run_train


@pytest.mark.parametrize("args, message", [
    (["--executor=processes", "--jobs=0"], "--jobs must be a positive integer, got 0"),
    (["--executor=processes", "--jobs=-3"], "--jobs must be a positive integer, got -3"),
    (["--jobs=2"], "option --jobs is not used by --executor=sequential"),
    (["--executor=nope"], "unknown executor 'nope'"),
    (["--executor=ray", "--ray-address=127.0.0.1:1"], "cannot reach the Ray cluster at 127.0.0.1:1"),
    (["--executor=ray", "--ray-address=no-port"], "--ray-address expects host:port"),
    (["--executor=ray", "--trial-cpus=-1"], "--trial-cpus must be 0 (the trial's --threads-per-trial) or more, got -1"),
    (["--threads-per-trial=-1"], "--threads-per-trial must be between 0 (the executor's choice) and 1024, got -1"),
    (["--executor=processes", "--threads-per-trial=2147483648"], "--threads-per-trial must be between 0 (the executor's choice) and 1024, got 2147483648"),
    (["--executor=processes", "--profiling"], "--profiling needs the model in this process"),
    (["--sweep=not json"], "invalid value for --sweep"),
    (["--sweep={}"], "--sweep is empty"),
])
def test_bad_executor_input_is_one_line_and_leaves_no_run(tmp_path, capsys, args, message):
    runs = tmp_path / "runs"
    status = run_guarded(lambda: run_train([f"--runs-dir={runs}", "--nbr-epochs=1", *args]), "train", False)
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and err.count("\n") == 1
    assert not runs.exists() or not any(runs.iterdir())
