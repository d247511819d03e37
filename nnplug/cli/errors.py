"""Run a command so that every failure a user or a file can cause is one line on stderr.

Exit statuses (docs/failures.md): 0 success, 2 a user error (one ``program: error: ...`` line),
130 Ctrl-C and 143 SIGTERM (one ``program: interrupted: ...`` line naming what was saved),
1 a bug (its traceback). Under ``--debug`` the traceback of user errors is shown too.
"""
from __future__ import annotations

import errno
import logging
import sys
import warnings
from typing import Any, Callable

import click

from nnplug import interrupts
from nnplug.errors import NnplugError
from nnplug.files import shown_name

#: OSError numbers that mean the disk, not nnplug, is at fault: one line, exit 2.
DISK_ERRORS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded", errno.EROFS: "read-only file system"}


def one_line(text: str) -> str:
    """``text`` folded to one line (libraries' multi-line messages, e.g. torch's, break the one-line promise)."""
    return " ".join(str(text).split())


def disk_error_line(err: OSError) -> str | None:
    """``no space left on device: <file>`` for a full disk (and quota, read-only), else None."""
    reason = DISK_ERRORS.get(err.errno or 0)
    if reason is None:
        return None
    where = err.filename if err.filename is not None else None
    return f"{reason}" + (f" writing {shown_name(where)}" if where else "")


def run_guarded(func: Callable[[], int | None], program: str, debug: bool) -> int:
    """Call ``func``; turn user errors into ``program: error: ...`` and status 2.

    Ctrl-C gives status 130 and SIGTERM 143 (handled the same way: cleanup runs, see
    :mod:`nnplug.interrupts`), each with one line saying where the interrupted work was saved.
    Under ``debug`` the traceback is shown too.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if debug else "%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    quiet_libraries(debug)
    for handler in logging.getLogger().handlers:  # a file name holding a newline must not forge log lines
        if not any(isinstance(f, _OneLineRecords) for f in handler.filters):
            handler.addFilter(_OneLineRecords())
    with interrupts.handle_signals():
        try:
            try:
                status = func() or 0
            except (NnplugError, click.ClickException) as err:
                if debug:
                    logging.getLogger("nnplug").exception("user error")
                message = err.format_message() if isinstance(err, click.ClickException) else str(err)
                click.echo(f"{program}: error: {one_line(message)}", err=True)
                status = 2 if not isinstance(err, click.ClickException) or err.exit_code in (1, 2) else err.exit_code
            except OSError as err:
                line = disk_error_line(err)
                if line is None:
                    raise
                if debug:
                    logging.getLogger("nnplug").exception("disk error")
                click.echo(f"{program}: error: {line}", err=True)
                status = 2
            # from here a signal is only recorded: raised later (leaving this block), nothing would catch it
            interrupts.disarm()
        except (KeyboardInterrupt, click.exceptions.Abort) as err:
            status = _interrupted(err, program, debug)
        except Exception as err:
            if interrupts.received() is None:
                raise
            status = _interrupted(err, program, debug)  # a library turned the KeyboardInterrupt into its own error
    return status


def _interrupted(err: BaseException, program: str, debug: bool) -> int:
    """One line for Ctrl-C / SIGTERM; the message the session put in the exception says where the run is."""
    with interrupts.deferred():  # a second Ctrl-C while printing the message is ignored
        if isinstance(err, click.exceptions.Abort):  # click wraps the KeyboardInterrupt raised under it
            err = err.__cause__ or err.__context__ or err
        if debug:
            logging.getLogger("nnplug").debug("interrupted", exc_info=err)
        signum = interrupts.received()
        detail = str(err) if isinstance(err, KeyboardInterrupt) else ""
        click.echo(f"{program}: {interrupts.describe(signum)}" + (f": {one_line(detail)}" if detail else ""), err=True)
        return interrupts.exit_status(signum)


def run_click(command: click.Command, args: list[str], prog_name: str, obj: Any = None) -> int:
    """Run a click ``command`` on ``args`` without click's own handling of Ctrl-C and errors.

    Unlike ``command.main(standalone_mode=False)``, Ctrl-C reaches :func:`run_guarded` as the
    :class:`KeyboardInterrupt` the command raised (with its message saying where the run was
    saved), not as click's ``Abort`` preceded by a blank line.
    """
    try:
        with command.make_context(prog_name, list(args), obj=obj) as ctx:
            result = command.invoke(ctx)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as err:
        if type(err).__name__ != "NoArgsIsHelpError":  # `nnplug` alone: its help, not an error line
            raise
        click.echo(err.format_message())
        return 0
    return result if isinstance(result, int) else 0


def quiet_libraries(debug: bool) -> None:
    """Keep libraries' own chatter off stderr (unless ``--debug``): warnings become at most one log line each.

    libvips (through pyvips' logger), stevedore and numba log at WARNING about things nnplug
    already reports in its own words (a skipped image, a broken plugin); their records are
    dropped, and Python warnings from libraries are folded to one line.
    """
    noisy = ("PIL", "matplotlib", "pyvips", "stevedore", "numba", "ray")
    for name in noisy:
        logging.getLogger(name).setLevel(logging.WARNING if debug else logging.ERROR)
    logging.captureWarnings(True)
    if not debug:
        logging.getLogger("py.warnings").addFilter(_FoldToOneLine())
        warnings.filterwarnings("ignore", module="stevedore")


class _FoldToOneLine(logging.Filter):
    """Rewrite a record's message as one line (a warning spanning lines could forge log lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = one_line(record.getMessage())
        record.args = ()
        return True


class _OneLineRecords(logging.Filter):
    """Escape line breaks in every log message (``\\n``): one record, one line on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "\n" in message or "\r" in message:
            record.msg = message.strip().replace("\r", "\\r").replace("\n", "\\n")
            record.args = ()
        return True


def wants_debug(args: list[str]) -> bool:
    """Whether ``--debug`` (or ``--debug=true``) is among the raw arguments."""
    return any(a == "--debug" or a.lower() in ("--debug=true", "--debug=1", "--debug=yes") for a in args)
