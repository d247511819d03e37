"""Math-library threads of a trial: like its seeds, part of what its numbers depend on.

BLAS libraries split a matrix product differently with one thread and with two: on this
project's machine ``X @ W`` for a 3500x784 minibatch and a 784x100 layer gives other last bits
for 70% of the entries (OpenBLAS 0.3.31, 1 against 2 threads), and a training run's costs then
differ from the 14th digit on. So every trial runs with a set number of math threads, the
experiment's ``--threads-per-trial``, whatever runs it, and ``run.json`` records it: the same
trial gives the same numbers on every executor and every machine, and a replayed run gives the
numbers it recorded. Left at 0, the executor chooses (:meth:`nnplug.executor.Executor.trial_threads`:
the sequential loop keeps this process's setting, every core unless ``OMP_NUM_THREADS`` or the like
says otherwise; parallel executors give one per trial, as they run a trial per core).
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from nnplug.experiment import Experiment

#: Environment variables read by math libraries loaded later (OpenBLAS, MKL, OpenMP runtimes, torch).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def current_threads() -> int:
    """The math threads this process's BLAS uses now (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``... honoured), else the cores."""
    from threadpoolctl import threadpool_info

    counts = [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
    return max(counts) if counts else available_cores()


def resolve_threads(experiments: list["Experiment"], threads: int) -> None:
    """Give ``threads`` math threads per trial to the experiments that leave ``--threads-per-trial`` at 0 (recorded so in ``run.json``)."""
    for experiment in experiments:
        if experiment.options.threads_per_trial <= 0:
            experiment.options.threads_per_trial = threads


@contextlib.contextmanager
def math_threads(threads: int) -> Iterator[None]:
    """Within the block, the math libraries of this process use ``threads`` threads (0: as they are); as before after it.

    Covers the BLAS and OpenMP libraries already loaded (through threadpoolctl), torch's intra-op
    pool when torch is imported, and libraries loaded inside the block (through the environment
    variables they read when they load; a library imported inside the block keeps the limit).
    """
    if threads <= 0:
        yield
        return
    from threadpoolctl import threadpool_limits

    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    try:
        with threadpool_limits(threads):
            if torch is not None:
                torch.set_num_threads(threads)
            try:
                yield
            finally:
                if torch is not None and torch_threads is not None:
                    torch.set_num_threads(torch_threads)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
