"""Run a command so that user errors are one line on stderr with exit status 2."""
from __future__ import annotations

import logging
import sys
from typing import Callable

import click

from nnplug.errors import NnplugError


def run_guarded(func: Callable[[], int | None], program: str, debug: bool) -> int:
    """Call ``func``; turn user errors into ``program: error: ...`` and status 2.

    Under ``debug`` the traceback is shown too. Ctrl-C gives status 130 with one line.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if debug else "%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if debug:
        for noisy in ("PIL", "matplotlib", "pyvips", "stevedore", "numba"):  # libraries' own debug logs drown nnplug's
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return func() or 0
    except (NnplugError, click.UsageError, click.BadParameter) as err:
        if debug:
            logging.getLogger("nnplug").exception("user error")
        message = err.format_message() if isinstance(err, click.ClickException) else str(err)
        click.echo(f"{program}: error: {message}", err=True)
        return 2
    except KeyboardInterrupt as err:
        where = f": {err}" if str(err) else ""  # e.g. where the saved run is
        click.echo(f"{program}: interrupted{where}", err=True)
        return 130


def wants_debug(args: list[str]) -> bool:
    """Whether ``--debug`` (or ``--debug=true``) is among the raw arguments."""
    return any(a == "--debug" or a.lower() in ("--debug=true", "--debug=1", "--debug=yes") for a in args)
