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

Two places where a plain handler would lose the signal are covered too: a :class:`KeyboardInterrupt`
raised inside a C library's callback (pyvips' log handler, a ``__del__``) is swallowed by Python
as "unraisable", so it is raised again as soon as the callback returns; and once a command's work
is done, :func:`finish` makes a signal during the interpreter's exit end the process at once with
the command's own status (Python would otherwise reset the handlers and die of the signal);
:func:`disarm` does the same for the instants between the end of the work and that exit.
Code that runs other Python threads raises only at safe points (:func:`cooperative`, :func:`check`).
"""
from __future__ import annotations

import _thread
import atexit
import contextlib
import functools
import os
import signal
import sys
import threading
import time
from typing import Any, Iterator, NoReturn

#: the signals handled like Ctrl-C.
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
#: a KeyboardInterrupt for the first signal is on its way (not swallowed by a callback).
_raised = False
#: within :func:`handle_signals` (in the main thread).
_handling = False
#: a signal raises KeyboardInterrupt (until :func:`disarm`).
_armed = False
#: set by :func:`finish`: signals during the interpreter's last steps are ignored.
_exiting = False
#: ``len(_received)`` when the innermost :func:`cooperative` block began (None outside one).
_mark: int | None = None


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
    global _raised
    if not _received:
        _received.append(signum)
    if _raised or not _armed:  # later signals only wait: the first one's cleanup is already under way
        return
    if _inside(frame, _unraisable.__code__):  # raised here, it would be swallowed: once the hook has returned
        _raise_soon(_received[0])
        return
    _raised = True
    raise KeyboardInterrupt


def _inside(frame: Any, code: Any) -> bool:
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def _unraisable(previous: Any, report: Any) -> None:
    """``sys.unraisablehook`` within :func:`handle_signals`: our KeyboardInterrupt, swallowed by a
    C callback, is raised again once the callback returns (silently); anything else goes on as before."""
    global _raised
    if isinstance(report.exc_value, KeyboardInterrupt) and _raised and _received:
        _raised = False
        _raise_soon(_received[0])
        return
    previous(report)


#: a thread of :func:`_raise_soon` is running.
_again_running = False


def _raise_soon(signum: int) -> None:
    """From another thread, run the handler in the main thread again every 2 ms until it has raised
    outside a callback or the hook (or :func:`handle_signals` has ended). One such thread at a time."""
    global _again_running

    def again() -> None:
        global _again_running
        while True:
            while _handling and not _raised:
                _thread.interrupt_main(signum)
                time.sleep(0.002)
            _again_running = False
            if not (_handling and not _raised):  # else a request came while it was stopping: go on
                return
            _again_running = True

    if not _again_running:
        _again_running = True
        threading.Thread(target=again, name="nnplug-signal-again", daemon=True).start()


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
    global _raised, _handling, _armed
    _received.clear()
    _raised = False
    _armed = True
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
    hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_unraisable, hook)
    _handling = True
    try:
        yield
    finally:
        _handling = False
        sys.unraisablehook = hook
        # after a real signal the process is on its way out: later ones must not cut the exit short
        # (ignored, not recorded: Python resets its own handlers to the default while exiting)
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if _received else handler)


def disarm() -> None:
    """From now on until :func:`handle_signals` ends, a signal is only recorded, not raised.

    Called by the code that catches the :class:`KeyboardInterrupt` as the last thing inside its
    ``try``: a signal handled up to that call is caught there; one arriving later, when no
    ``except`` is left to catch it (leaving the ``with handle_signals()`` block), must not escape
    as a traceback. The work is done by then: the command keeps its status.
    """
    global _armed
    _armed = False


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


@contextlib.contextmanager
def cooperative() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM are only recorded; :func:`check` raises at the caller's safe points.

    For code that runs other Python threads: a :class:`KeyboardInterrupt` raised at an arbitrary
    instruction of the main thread can leave a lock held that those threads then wait for
    forever (Python 3.11's ``logging`` takes its module lock outside ``try``; libraries log from
    worker threads), and the main thread waits for them. The block's code calls :func:`check`
    between units of work (bin/infer: between batches and between written images). A signal
    recorded but not yet raised when the block ends normally is raised then.
    """
    global _mark
    outer = _mark
    _mark = len(_received)
    try:
        with deferred():
            yield
        check()
    finally:
        _mark = outer


def check() -> None:
    """Raise :class:`KeyboardInterrupt` if a signal arrived during the :func:`cooperative` block and has not been raised."""
    global _raised
    if _mark is not None and len(_received) > _mark and not _raised:
        _raised = True
        raise KeyboardInterrupt


def finish(status: int) -> NoReturn:
    """End a command whose work is done with ``status`` (what an entry point calls instead of ``sys.exit``).

    The interpreter's exit takes a moment (threads joined, ``atexit`` handlers, modules torn
    down). A Ctrl-C or SIGTERM then would otherwise run the start-up handler of ``bin/train``
    ("interrupted while starting") or, once Python has reset its handlers, kill the process with
    the signal's status although everything was written. Here it ends the process at once with
    ``status``; during the very last steps (after every ``atexit`` handler) it is ignored.
    """
    global _exiting
    if _in_main_thread():
        for signum in SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, functools.partial(_exit_now, status))
        _exiting = True
    sys.exit(status)


def _exit_now(status: int, signum: int, frame: Any) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


@atexit.register  # registered when nnplug starts, so it runs after the handlers of libraries imported later
def _ignore_signals_at_the_end() -> None:
    if _exiting and _in_main_thread():
        for signum in SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, signal.SIG_IGN)
