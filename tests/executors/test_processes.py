"""The processes executor: same metrics as the sequential loop, failures isolated, nothing left behind."""
from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from nnplug.trainer import TrainingObserver

STUDY = ["--nbr-epochs=3", "--training-times=3", "--experiment", "--exp-id=b", "--learning-rate=0.3", "--nbr-epochs=2", "--training-times=2"]


def test_processes_give_the_sequential_metrics_bit_for_bit(train, metrics_of):
    _, sequential = train(STUDY)
    status, parallel = train(["--executor=processes", "--jobs=2", *STUDY])
    assert status == 0
    assert metrics_of(parallel.run_dir) == metrics_of(sequential.run_dir)
    assert len(metrics_of(parallel.run_dir)) == 5
    assert (parallel.run_dir / "metrics.csv").read_text().count("\n") == 1 + 3 * 3 + 2 * 2
    assert (parallel.run_dir / "confusion-b.csv").is_file()


def test_a_failing_trial_is_recorded_and_the_others_go_on(train, run_document, capsys):
    status, session = train(["--executor=processes", "--jobs=2", "--model=Fragile", "--fail-seed=0", "--nbr-epochs=2", "--training-times=3"])
    assert status == 1
    document = run_document(session.run_dir)
    assert document["status"] == "failed"
    repeats = document["experiments"][0]["repeats"]
    assert [r["error"] for r in repeats] == ["ValueError: boom at step 3", None, None]
    assert all(len(r["epochs"]) == 2 for r in repeats[1:])
    assert "trials failed: exp1 repeat 1 (ValueError: boom at step 3)" in capsys.readouterr().err


def test_a_worker_that_dies_fails_its_trial_only(train, run_document):
    status, session = train(["--executor=processes", "--jobs=2", "--model=Fragile", "--die-seed=0", "--nbr-epochs=2", "--training-times=2"])
    assert status == 1
    repeats = run_document(session.run_dir)["experiments"][0]["repeats"]
    assert repeats[0]["error"] == "worker process died (killed by SIGKILL)"
    assert repeats[1]["error"] is None and len(repeats[1]["epochs"]) == 2


class StopAtFirstEpoch(TrainingObserver):
    """Ctrl-C in the driver as soon as one epoch is reported."""

    def epoch_finished(self, context, metrics):
        raise KeyboardInterrupt


def test_interrupting_keeps_finished_epochs_marks_the_run_and_leaves_no_worker(train, tmp_path, run_document):
    with pytest.raises(KeyboardInterrupt):
        train(["--executor=processes", "--jobs=2", "--model=Fragile", "--hang-seed=0", "--nbr-epochs=50", "--training-times=2"], observers=[StopAtFirstEpoch()])
    (run_dir,) = (tmp_path / "runs").iterdir()
    document = run_document(run_dir)
    assert document["status"] == "interrupted"
    repeats = document["experiments"][0]["repeats"]
    assert sum(len(r["epochs"]) for r in repeats) >= 1
    assert repeats[0]["interrupted"]  # the one hanging at its third step
    assert all(r["interrupted"] or len(r["epochs"]) == 50 for r in repeats), [(r["repeat"], r["interrupted"], len(r["epochs"]), r["error"]) for r in repeats]
    assert psutil.Process().children(recursive=True) == []


def test_the_built_in_executors_honour_the_executor_contract():
    from nnplug.executors.processes import Processes
    from nnplug.executors.sequential import Sequential
    from nnplug.testing.executor_contract import check_executor

    check_executor(Sequential)
    check_executor(Processes, {"jobs": 2})


def test_the_contract_check_catches_an_executor_that_loses_a_repeat():
    from nnplug.executors.processes import Processes
    from nnplug.testing.executor_contract import check_executor

    class Forgetful(Processes):
        """Drops the last trial of every study."""

        def run(self, study):
            study.trials = study.trials[:-1]
            super().run(study)

    with pytest.raises(AssertionError, match="executor Forgetful: the run's figures differ from the sequential loop.s"):
        check_executor(Forgetful, {"jobs": 2})


_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from nnplug.executors.processes import keep_freed_memory
    keep_freed_memory()
def minibatch():
    arrays = [np.ones(2**18, dtype=np.float32) for _ in range(8)]  # eight 1 MB activations, then freed
    del arrays
def trial():
    arrays = [np.ones(5 * 2**20, dtype=np.float32) for _ in range(4)]  # a trial's 80 MB of arrays, freed when it ends
    del arrays
work = minibatch if sys.argv[2] == "minibatch" else trial
work(); work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
@pytest.mark.parametrize("work", ["minibatch", "trial"])
def test_workers_reuse_freed_memory_instead_of_faulting_it_back_in(work):
    def faults(mode: str) -> int:
        return int(subprocess.run([sys.executable, "-c", _FAULTS, mode, work], check=True, capture_output=True, text=True).stdout)

    default, kept = faults("default"), faults("keep")
    assert default > 10_000  # the allocator gave the memory back and faulted it in again, every time
    assert kept < default / 20
