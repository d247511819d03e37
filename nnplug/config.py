"""Replay: ``bin/train --config=FILE`` runs the experiments a file describes.

The file is a saved run's ``run.json`` or a hand-written TOML (or JSON) file of the same shape::

    [[experiments]]
    exp_id = "adam"
    [experiments.options]          # the trainer's options (plugin selection, epochs, seeds...)
    model = "NLayers"
    nbr_epochs = 10
    training_times = 3
    [experiments.plugins.model]    # a selected plugin's options (a name here selects it too)
    options = { layers = [100] }

(``run.json`` keeps each experiment's ``options`` and ``plugins`` under ``config``; both places
are read.) Every experiment of the file becomes the options it would have been typed with, so
the usual parsing checks them: a plugin or an option that is not installed is one line, exit 2.
Options typed on the command line after ``--config`` apply to every experiment of the file and
override its values.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nnplug.errors import NnplugError

CONFIG_FLAG = "--config"
#: Trainer options a saved run records that are not typed again (the file gives them back otherwise).
NOT_REPLAYED = {"exp_id"}


def config_path(args: list[str]) -> tuple[Path | None, list[str]]:
    """Take ``--config=PATH`` (or ``--config PATH``) out of ``args``: (path or None, the other args).

    Raises:
        NnplugError: ``--config`` without a path, or given twice.
    """
    path: Path | None = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == CONFIG_FLAG or arg.startswith(CONFIG_FLAG + "="):
            if path is not None:
                raise NnplugError("--config given twice: give one file")
            if arg == CONFIG_FLAG:
                if i >= len(args) or args[i].startswith("--"):
                    raise NnplugError("option --config needs a value (PATH)")
                text, i = args[i], i + 1
            else:
                text = arg.partition("=")[2]
            if not text:
                raise NnplugError("option --config needs a value (PATH)")
            path = Path(text)
            continue
        rest.append(arg)
    return path, rest


def read_config(path: Path) -> dict[str, Any]:
    """Read a ``.json`` or ``.toml`` file (or a run directory: its ``run.json``).

    Raises:
        NnplugError: missing or unreadable file, not a table at the top.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "run.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise NnplugError(f"cannot read --config {path}: {err.strerror or err}") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            document: Any = tomllib.loads(text)
        else:
            document = json.loads(text)
    except ValueError as err:  # tomllib.TOMLDecodeError and json.JSONDecodeError are ValueErrors
        raise NnplugError(f"--config {path} is not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {' '.join(str(err).split())}") from None
    if not isinstance(document, dict):
        raise NnplugError(f"--config {path}: expected a table with an experiments list at the top")
    return document


def experiment_arguments(document: dict[str, Any], source: str) -> list[list[str]]:
    """The command-line arguments of each experiment of a config document.

    Raises:
        NnplugError: the document does not have the expected shape.
    """
    experiments = document.get("experiments")
    if not isinstance(experiments, list) or not experiments:
        raise NnplugError(f"--config {source}: expected a non-empty list 'experiments'")
    segments = []
    for number, item in enumerate(experiments, 1):
        where = f"--config {source}: experiment {number}"
        if not isinstance(item, dict):
            raise NnplugError(f"{where}: expected a table, got {type(item).__name__}")
        body = item.get("config", item)
        if not isinstance(body, dict):
            raise NnplugError(f"{where}: 'config' must be a table")
        options = body.get("options", {})
        plugins = body.get("plugins", {})
        if not isinstance(options, dict) or not isinstance(plugins, dict):
            raise NnplugError(f"{where}: 'options' and 'plugins' must be tables")
        args: list[str] = []
        exp_id = body.get("exp_id", item.get("exp_id"))
        if exp_id:
            args.append(f"--exp-id={exp_id}")
        for name, value in options.items():
            if name not in NOT_REPLAYED:
                args += _flags(name, value, where)
        for kind, plugin in plugins.items():
            if not isinstance(plugin, dict) or not isinstance(plugin.get("options", {}), dict):
                raise NnplugError(f"{where}: plugins.{kind} must be a table with a name and an options table")
            if plugin.get("name"):
                args += _flags(kind, plugin["name"], where)
            for name, value in plugin.get("options", {}).items():
                args += _flags(name, value, where)
        segments.append(args)
    return segments


def _flags(name: str, value: Any, where: str) -> list[str]:
    """``--name=text`` for a value read from a file (lists as a,b; objects as JSON; none skipped)."""
    if not isinstance(name, str) or not name:
        raise NnplugError(f"{where}: option names must be text")
    flag = "--" + name.replace("_", "-")
    if value is None:
        return []
    if name == "track_layer" and isinstance(value, list):  # repeatable: one flag per item
        return [f"{flag}={item}" for item in value]
    return [f"{flag}={_text(value, flag, where)}"]


def _text(value: Any, flag: str, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value) if not isinstance(value, float) else repr(value)
    if isinstance(value, list):
        return ",".join(_text(item, flag, where) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    raise NnplugError(f"{where}: {flag} has a value of unexpected type {type(value).__name__}")


def expand_config(args: list[str], separator: str) -> list[str]:
    """``args`` with ``--config=FILE`` replaced by the file's experiments, the other args applying to each.

    Raises:
        NnplugError: unreadable or ill-shaped file, or ``--experiment`` given with ``--config``.
    """
    path, rest = config_path(args)
    if path is None:
        return args
    if separator in rest:
        raise NnplugError(f"--config takes the experiments from {path}: {separator} cannot be added to them (options given apply to all)")
    segments = experiment_arguments(read_config(path), str(path))
    expanded: list[str] = []
    for number, segment in enumerate(segments):
        if number:
            expanded.append(separator)
        expanded += segment + rest
    return expanded
