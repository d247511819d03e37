"""Ctrl-C and SIGTERM: both stop a command the same way, with cleanup, and a second one cannot cut it short.

SIGTERM is what ``timeout``, ``docker stop``, Slurm and Kubernetes send before killing a process.
Python turns only SIGINT (Ctrl-C) into :class:`KeyboardInterrupt`; :func:`handle_signals` makes
SIGTERM raise it too, so every ``except KeyboardInterrupt`` / ``finally`` cleanup (the trainer
marking a repeat interrupted, the session saving the run and drawing plots, bin/infer removing
its staging folder) runs for both. :func:`received` tells which signal it was, for the exit
status (130 for SIGINT, 143 for SIGTERM). Only the first signal raises: pressing Ctrl-C twice
does not cut the cleanup short (the run's plots, its final status); :func:`deferred` does the
same for code that runs outside :func:`handle_signals`. To stop at once, send SIGKILL
(``kill -9``) or SIGQUIT (Ctrl-\\); what that leaves behind is cleaned later (docs/failures.md).
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

#: the signals handled like Ctrl-C.
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []


def received() -> int | None:
    """The first signal that interrupted this command (``signal.SIGINT`` or ``SIGTERM``), or None."""
    return _received[0] if _received else None


def exit_status(signum: int | None) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum or signal.SIGINT)


def describe(signum: int | None) -> str:
    """``interrupted`` for Ctrl-C, ``terminated (SIGTERM)`` for SIGTERM."""
    return "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted"


def _raise(signum: int, frame: Any) -> None:
    first = not _received
    _received.append(signum)
    if first:  # later signals only wait: the first one's cleanup is already under way
        raise KeyboardInterrupt


def _record(signum: int, frame: Any) -> None:
    _received.append(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`KeyboardInterrupt` (and are recorded).

    A signal the parent set to be ignored (``nohup``, a background job of a non-interactive
    shell) stays ignored. Outside the main thread, nothing changes (Python allows handlers only there).
    """
    _received.clear()
    if not _in_main_thread():
        yield
        return
    previous = {}
    for signum in SIGNALS:
        current = signal.getsignal(signum)
        if current is signal.SIG_IGN:
            continue
        previous[signum] = current
        signal.signal(signum, _raise)
    try:
        yield
    finally:
        # after a real signal the process is on its way out: later ones must not cut the exit short
        # (ignored, not recorded: Python resets its own handlers to the default while exiting)
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if _received else handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM are only recorded: a cleanup runs to its end.

    Used while an interrupted or failed run saves its final state (status, plots, temporary
    files): a second Ctrl-C then cannot leave the run half-closed. The first signal's
    :class:`KeyboardInterrupt` is already on its way; later ones are not raised again.
    """
    if not _in_main_thread():
        yield
        return
    previous = {}
    for signum in SIGNALS:
        current = signal.getsignal(signum)
        if current is signal.SIG_IGN or current is None:
            continue
        previous[signum] = current
        signal.signal(signum, _record)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
