"""Peak memory of one case, measured alone in a fresh Python process.

Measuring in the benchmark's own process would charge every case with what the others
allocated (and torch's or libvips' caches); a fresh process running the suite's setup and one
measurement of the case gives each its own peak resident set size (``ru_maxrss``).

Run as ``python -m nnplug_bench.memory module:SuiteClass "group / name" [--quick]``: prints one
JSON line ``{"peak_rss_mb": ..., "children_peak_rss_mb": ...}``.
"""
from __future__ import annotations

import importlib
import json
import os
import logging
import resource
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnplug_bench.suite import Case, Suite

LOG = logging.getLogger("nnplug_bench.memory")
#: longest a probe may take before its figure is given up.
TIMEOUT_SECONDS = 900


def probe_peak_rss(suite: "Suite", case: "Case") -> float | None:
    """Peak RSS in MB of a fresh process that prepares ``suite`` and measures ``case`` once.

    Worker processes the case starts (data-loader workers) count too: the larger of the
    process's and its children's peaks is returned (a child's ``ru_maxrss`` includes what it
    inherited at fork, so it is an upper bound). None when the probe fails (logged).
    """
    target = f"{type(suite).__module__}:{type(suite).__qualname__}"
    command = [sys.executable, "-m", "nnplug_bench.memory", target, case.key] + (["--quick"] if suite.quick else [])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        LOG.warning("memory probe of %s timed out", case.key)
        return None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        LOG.warning("memory probe of %s failed: %s", case.key, (done.stderr.strip().splitlines() or ["no output"])[-1])
        return None
    figures = json.loads(lines[-1])
    return max(figures["peak_rss_mb"], figures.get("children_peak_rss_mb") or 0.0)


def own_peak_mb() -> float:
    """This process's peak RSS in MB since it started its program.

    ``VmHWM`` belongs to the process's current address space; ``ru_maxrss`` would not do: Linux
    carries it over from the parent (the large benchmark process) across fork and exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    """The largest peak RSS in MB among the finished child processes (data-loader workers)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    """The probe process: build the suite, measure the case once, print the peaks as JSON."""
    target, key = argv[0], argv[1]
    quick = "--quick" in argv[2:]
    from nnplug_bench.threads import limit_threads

    limit_threads(int(os.environ.get("NNPLUG_BENCH_THREADS", "0")))
    module, _, name = target.partition(":")
    suite = getattr(importlib.import_module(module), name)(quick=quick)
    cases = {case.key: case for case in suite.cases()}
    case = cases[key]
    try:
        suite.prepare()
        suite.prepare_case(case)
        suite.measure(case)
    finally:
        suite.cleanup()
    print(json.dumps({"peak_rss_mb": own_peak_mb(), "children_peak_rss_mb": children_peak_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
