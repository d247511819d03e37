"""Reliability tests: what nnplug promises on failure (docs/failures.md), checked from outside.

``run_command`` runs ``bin/train``, ``bin/infer`` or ``nnplug`` as a user would (a new process,
its own session so signals reach only it) on the shipped ``colors`` dataset at 4x4 pixels.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from nnplug.testing import toys

ROOT = Path(__file__).resolve().parents[2]
TRAIN = [str(ROOT / "bin" / "train"), f"--datasets-path={ROOT / 'datasets'}", "--dataset=colors", "--resize=4,4", "--cache=false"]
INFER = [str(ROOT / "bin" / "infer"), f"--datasets-path={ROOT / 'datasets'}", f"--models-path={ROOT / 'models'}"]
NNPLUG = [sys.executable, "-c", "from nnplug.cli.main import main; main()"]


def environment(**extra: str) -> dict[str, str]:
    """The environment of a command: one math thread, no display; Python's fault handler on (a
    command that hangs is sent SIGABRT, and its threads' stacks are then in its stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONFAULTHANDLER="1", **extra)
    return env


def run_command(args: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run a command to its end; return its status and outputs."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment(**env))


def interrupt(args: list[str], cwd: Path, when: "callable", signals: list[int], timeout: float = 300, stop_within: float = 60) -> subprocess.CompletedProcess:
    """Start a command, wait until ``when()`` is true, send it ``signals`` (50 ms apart), return its end.

    Its outputs go to unnamed files, not pipes: a pipe nobody reads while waiting would fill and
    stop the command mid-print. A command still running ``stop_within`` seconds after the signals
    fails the test with the Python stacks of its threads (SIGABRT to the fault handler).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, text=True, env=environment(), start_new_session=True)

        def outputs() -> tuple[str, str]:
            out.seek(0)
            err.seek(0)
            return out.read(), err.read()

        deadline = time.monotonic() + timeout
        try:
            while not when():
                if process.poll() is not None:
                    raise AssertionError(f"the command ended before it could be interrupted: {outputs()}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"the command was not ready to be interrupted after {timeout} s: {outputs()[1][-2000:]}")
                time.sleep(0.02)
            for signum in signals:
                process.send_signal(signum)
                time.sleep(0.05)
            try:
                process.wait(timeout=stop_within)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
                raise AssertionError(f"still running {stop_within} s after {signals}; its stacks: {outputs()[1][-6000:]}") from None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        return subprocess.CompletedProcess(args, process.returncode, *outputs())


def error_lines(stderr: str) -> list[str]:
    """The non-empty lines of stderr."""
    return [line for line in stderr.splitlines() if line.strip()]


def hidden_leftovers(folder: Path) -> list[Path]:
    """Hidden temporary files and staging folders under ``folder``."""
    return [p for p in folder.rglob(".*") if p.name.endswith(".tmp") or p.name.startswith(".staging")]


class TinyBlobs(toys.ColorBlobs):
    """The toys' three classes of 2x2 RGB images, 10 per class.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 10, max_minibatch_size: int = 16) -> None:
        super().__init__(samples, max_minibatch_size)


@pytest.fixture
def toy_registry():
    """Only the toy plugins (no installed engine needed), trained in-process."""
    return toys.toy_registry(TinyBlobs)


__all__ = ["signal"]
