"""The ``nnplug`` command: subcommands are imported only when used, so each stays fast.

The core's own subcommands are listed here; packages add theirs (``nnplug bench`` by nnplug-bench,
``nnplug onnx`` by nnplug-onnx) as entry points of the group ``nnplug.commands``:
``name = package.module:click_command``.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import sys

import click

#: the core's subcommands: name → "module:attribute" of its click command.
SUBCOMMANDS = {
    "plugins": "nnplug.cli.plugins:plugins",
    "train": "nnplug.cli.train:train",
    "infer": "nnplug.cli.infer:infer",
    "report": "nnplug.cli.report:report",
    "export": "nnplug.cli.export:export",
    "cache": "nnplug.cli.cache:cache",
}

#: the entry-point group of the subcommands packages add.
COMMANDS_GROUP = "nnplug.commands"


def subcommands() -> dict[str, str]:
    """Every subcommand: the core's, then the installed packages' (a core name cannot be taken over)."""
    found = {entry.name: entry.value for entry in importlib.metadata.entry_points(group=COMMANDS_GROUP)}
    return {**found, **SUBCOMMANDS}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(subcommands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = subcommands().get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        try:
            command = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as err:
            return _broken(cmd_name, f"nnplug {cmd_name} is broken: cannot load {target} ({type(err).__name__}: {err})")
        return command


def _broken(name: str, message: str) -> click.Command:
    """A stand-in for a subcommand that cannot be loaded: listed as broken, one line when run."""

    def fail() -> None:
        from nnplug.errors import NnplugError

        raise NnplugError(message)

    return click.Command(name, callback=fail, help=f"BROKEN: {message}", add_help_option=False,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnplug")
def cli() -> None:
    """nnplug: train, compare and benchmark neural networks with plugins.

    Every data loader, model, optimizer, loss and accuracy is a plugin found through package
    entry points; `nnplug plugins` lists them. Packages add subcommands (entry-point group
    nnplug.commands).
    """


def main() -> None:
    """Console-script entry point: user errors are one line on stderr, status 2."""
    from nnplug import interrupts
    from nnplug.cli.errors import run_click, run_guarded, wants_debug

    args = sys.argv[1:]
    interrupts.finish(run_guarded(lambda: run_click(cli, args, "nnplug"), "nnplug", wants_debug(args)))
