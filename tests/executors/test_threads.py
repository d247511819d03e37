"""Math threads are part of a trial: recorded in run.json, applied by every executor, restored after."""
from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from nnplug.arrays import ArrayDataLoader
from nnplug.testing import toys
from nnplug.threads import math_threads


class WideDigits(ArrayDataLoader):
    """Ten classes of 784 random values, 30 per class, one training minibatch.

    Products as wide as these (300x784 by 784x10) are split across BLAS threads, and their last
    bits depend on the number of threads: the toys' 12-value images are too small for that.
    """

    def __init__(self) -> None:
        rng = np.random.default_rng(7)
        x = rng.uniform(0, 1, (300, 784))
        y = np.repeat(np.arange(10), 30)
        x[np.arange(300), y * 78] += 3.0  # one bright pixel per class
        super().__init__(x, y, [str(d) for d in range(10)], max_minibatch_size=1000)


@pytest.fixture
def registry():
    """The toys (softmax regression, numpy engine) on the wide digits."""
    return toys.toy_registry(WideDigits)


def blas_threads() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_math_threads_sets_the_libraries_and_restores_them():
    before, variable = blas_threads(), os.environ.get("OPENBLAS_NUM_THREADS")
    wanted = 3 if before != [3] else 2  # another count than the process's
    with math_threads(wanted):
        assert set(blas_threads()) == {wanted}
        assert os.environ["OPENBLAS_NUM_THREADS"] == str(wanted) and os.environ["OMP_NUM_THREADS"] == str(wanted)
    assert blas_threads() == before and os.environ.get("OPENBLAS_NUM_THREADS") == variable
    with math_threads(0):  # 0: the process's setting, untouched
        assert blas_threads() == before and os.environ.get("OPENBLAS_NUM_THREADS") == variable


def test_the_executor_chooses_the_threads_left_at_zero_and_run_json_records_them(train, run_document):
    with threadpool_limits(2):  # this process's setting: what the sequential loop keeps
        if min(blas_threads()) < 2:
            pytest.skip("BLAS runs one thread here (one core)")
        _, sequential = train(["--nbr-epochs=1"])
    _, limited = train(["--nbr-epochs=1"])  # OMP_NUM_THREADS=1 and the like, as `make test` sets them
    _, parallel = train(["--executor=processes", "--jobs=2", "--nbr-epochs=1"])
    _, given = train(["--executor=processes", "--jobs=2", "--nbr-epochs=1", "--threads-per-trial=3"])
    runs = (sequential, limited, parallel, given)
    threads = [run_document(s.run_dir)["experiments"][0]["config"]["options"]["threads_per_trial"] for s in runs]
    assert threads == [2, min(blas_threads()), 1, 3]


def test_a_replayed_parallel_run_gives_its_numbers_in_a_process_whose_blas_has_more_threads(train, metrics_of):
    study = ["--nbr-epochs=4", "--training-times=2", "--learning-rate=0.05"]
    _, parallel = train(["--executor=processes", "--jobs=2", *study])  # one math thread per trial
    with threadpool_limits(2):  # this process's libraries on two threads, as a user's on a 2-core machine
        if min(blas_threads()) < 2:
            pytest.skip("BLAS runs one thread here (one core)")
        _, two = train(["--threads-per-trial=2", *study])
        _, replay = train([f"--config={parallel.run_dir / 'run.json'}", "--executor=sequential"])
    assert metrics_of(two.run_dir) != metrics_of(parallel.run_dir)  # two threads round otherwise: the test can tell
    assert metrics_of(replay.run_dir) == metrics_of(parallel.run_dir)


def test_the_default_jobs_share_the_cores_among_trials_of_several_threads(monkeypatch, registry):
    import nnplug.executors.processes as processes
    from nnplug.cli.arguments import parse_command
    from nnplug.study import Study

    monkeypatch.setattr(processes, "available_cores", lambda: 8)
    started = []
    monkeypatch.setattr(processes.Processes, "_schedule", lambda self, study: started.append(self.jobs))
    for args, jobs in ((["--threads-per-trial=3"], 2), ([], 8), (["--threads-per-trial=16"], 1), (["--jobs=5", "--threads-per-trial=4"], 5)):
        command = parse_command(["--executor=processes", "--nbr-epochs=1", *args], registry)
        executor = registry.create("executor", "processes", command.executor_options)
        executor.run(Study(registry, command.experiments, []))
        assert started.pop() == jobs, args
