"""How many threads the compared libraries may use during a benchmark.

On a small shared machine, libraries that spin-wait on several threads (OpenBLAS, OpenMP in
torch) slow down by large and erratic factors as soon as another process wants a core, which
would make the comparison one of thread scheduling, not of code. ``nnplug bench`` therefore runs
single-threaded by default (``--threads 1``); ``--threads 0`` keeps every library's default.
"""
from __future__ import annotations

import os
import sys

#: environment variables read by the libraries at import (and by the memory probes' processes).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VIPS_CONCURRENCY", "MAGICK_THREAD_LIMIT")

_limits: list[object] = []


def limit_threads(threads: int) -> None:
    """Cap every library's thread pool at ``threads`` (0: leave the defaults), here and in child processes."""
    if threads <= 0:
        return
    for variable in (*THREAD_VARIABLES, "NNPLUG_BENCH_THREADS"):
        os.environ[variable] = str(threads)
    try:
        from threadpoolctl import threadpool_limits

        # numpy's BLAS is already loaded by now: the environment alone would come too late.
        _limits.append(threadpool_limits(limits=threads))
    except ImportError:
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def onnxruntime_threads() -> int:
    """The intra-op thread count ONNX Runtime sessions should use (0: its default)."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() else 0
