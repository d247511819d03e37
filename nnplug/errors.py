"""Errors a user can cause: the command line prints them as one line and exits with status 2."""
from __future__ import annotations


class NnplugError(Exception):
    """A problem with what the user asked for (bad option, missing file, unknown plugin...).

    The message is one line, complete on its own: the CLI prints it to stderr and exits with
    status 2, without a traceback unless ``--debug`` is given. Plugins raise it (or a subclass)
    for bad input; any other exception is treated as a bug and shown with its traceback.
    """


class PluginLoadError(NnplugError):
    """A plugin that was selected could not be imported or is not a valid plugin."""
