"""The ``nnplug`` command: subcommands are imported only when used, so each stays fast."""
from __future__ import annotations

import importlib
import sys

import click

#: subcommand name → "module:attribute" of its click command.
SUBCOMMANDS = {
    "plugins": "nnplug.cli.plugins:plugins",
    "train": "nnplug.cli.train:train",
    "infer": "nnplug.cli.infer:infer",
    "report": "nnplug.cli.report:report",
    "export": "nnplug.cli.export:export",
    "bench": "nnplug.bench.cli:bench",
    "onnx": "nnplug.cli.onnx:onnx",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in SUBCOMMANDS.items() if _available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None or not _available(target):
            return None
        module, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module), attribute)


def _available(target: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(target.partition(":")[0]) is not None
    except ImportError:
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnplug")
def cli() -> None:
    """nnplug: train, compare and benchmark neural networks with plugins.

    Every data loader, model, optimizer, loss and accuracy is a plugin found through package
    entry points; `nnplug plugins` lists them.
    """


def main() -> None:
    """Console-script entry point: user errors are one line on stderr, status 2."""
    from nnplug.cli.errors import run_guarded, wants_debug

    args = sys.argv[1:]
    sys.exit(run_guarded(lambda: cli.main(args, prog_name="nnplug", standalone_mode=False), "nnplug", wants_debug(args)))
