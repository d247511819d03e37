"""``bin/train``: build experiments from options and train them.

Options come from the trainer (:mod:`nnplug.experiment`) and from the constructors of the
installed plugins; ``--help`` lists them all, grouped by plugin kind, with their defaults and
the plugins that take them.
"""
from __future__ import annotations

import sys

import click

from nnplug import interrupts
from nnplug.cli.arguments import EXPERIMENT_SEPARATOR, OptionTable, parse_command
from nnplug.cli.errors import run_guarded, wants_debug
from nnplug.cli.plugins import alias_text, declared_text
from nnplug.compatibility import DEFAULTED_SLOTS
from nnplug.options import OptionSpec
from nnplug.registry import KINDS, Registry

USAGE = "Usage: train [OPTIONS] [--experiment [OPTIONS]]..."
INTRO = (
    "Train one or more experiments. Each --experiment starts a new experiment whose options "
    "start from the defaults; general options apply to all. Values: --name=value (lists as "
    "a,b,c; the empty list as --layers=; booleans as true/false; objects as JSON)."
)


def _describe(spec: OptionSpec, owners: list[str] | None = None, defaults: dict[str, list[str]] | None = None) -> tuple[str, str]:
    metavar = spec.type.item.metavar if spec.repeatable and spec.type.item else spec.type.metavar
    term = f"{spec.flag}={metavar}"
    text = spec.help or ""
    if defaults is not None and len(defaults) > 1:
        text += " [defaults: " + "; ".join(f"{value} ({', '.join(names)})" for value, names in defaults.items()) + "]"
    elif spec.required:
        text += " [required]"
    elif owners is None and spec.name in DEFAULTED_SLOTS and not spec.default:  # the trainer's plugin slots
        text = text.replace(" (default: the model's engine's for the data loader's task)", "")
        text = text.replace(" (default: the model's engine's for the task)", "")
        text += " [default: the model's engine's for the data loader's task]" if spec.name != "accuracy" else ""
    else:
        text += f" [default: {spec.type.format(spec.default) or 'empty'}]"
    if spec.repeatable:
        text += " [repeatable]"
    if owners:
        text += f" [used by: {', '.join(owners)}]"
    return term, text.strip()


def format_help(registry: Registry, table: OptionTable) -> str:
    """The full ``--help`` text: general and experiment options, then one section per kind."""
    formatter = click.HelpFormatter(max_width=110)
    formatter.write(USAGE + "\n\n")
    formatter.write_text(INTRO)
    with formatter.section("General options"):
        formatter.write_dl([_describe(s) for s in table.global_specs.values()] + [("--help", "show this message and exit")])
    with formatter.section("Experiment options"):
        formatter.write_dl([(EXPERIMENT_SEPARATOR, "start the options of a new experiment")] + [_describe(s) for s in table.experiment_specs.values()])
    with formatter.section("Sweep options (per experiment: one experiment per point)"):
        formatter.write_dl([_describe(s) for s in table.sweep_specs.values()])
    executors = registry.plugins.get("executor", {})
    with formatter.section(f"Executors (--executor; installed: {', '.join(sorted(executors)) or 'none'}); their options are general options"):
        for name in sorted(executors):
            info = executors[name]
            formatter.write_text(f"{name}: {info.error and 'BROKEN: ' + info.error or info.description}")
        rows = [_describe(next(iter(owners.values())), sorted(owners)) for owners in table.executor_specs.values()]
        if rows:
            formatter.write_paragraph()
            formatter.write_dl(rows)
    for kind, plugins in registry.plugins.items():
        title = KINDS[kind]
        if not title.trained:
            continue
        # declared aliases (NumpyVips...) are listed under the plugin they alias, not as plugins of their own
        aliases = {name: info for name, info in plugins.items() if info.alias_of and info.alias_of in plugins}
        canonical = {name: info for name, info in plugins.items() if name not in aliases}
        names = []
        for name in sorted(canonical):
            info = plugins[name]
            state = " (broken)" if info.error or info.declaration_error else " (conflict)" if info.conflicts else ""
            names.append(name + state)
        rows = []
        for flag, owners in table.plugin_specs.items():
            mine = {name: spec for (k, name), spec in owners.items() if k == kind and name in canonical}
            if not mine:
                continue
            defaults: dict[str, list[str]] = {}
            for name, spec in mine.items():
                value = "required" if spec.required else spec.type.format(spec.default)
                defaults.setdefault(value, []).append(name)
            first = next(iter(mine.values()))
            owners = ["all"] if len(mine) == len(canonical) > 1 else sorted(mine)
            rows.append(_describe(first, owners, defaults))
        heading = f"{title.title} plugins (--{title.option.replace('_', '-')}; installed: {', '.join(names) or 'none'})"
        with formatter.section(heading):
            for name in sorted(canonical):
                info = plugins[name]
                broken = info.error or info.declaration_error
                declared = declared_text(info)
                formatter.write_text(f"{name}{f' [{declared}]' if declared and not broken else ''}: {broken and 'BROKEN: ' + broken or info.description}")
                for alias in sorted((a for a in aliases.values() if a.alias_of == name), key=lambda a: a.name):
                    formatter.write_text(f"    {alias_text(alias)}")
            if rows:
                formatter.write_paragraph()
                formatter.write_dl(rows)
    return formatter.getvalue()


def run_train(args: list[str]) -> int:
    """Parse ``args`` and train; return the exit status."""
    registry = Registry()
    table = OptionTable.build(registry)
    if "--help" in args or "-h" in args:
        sys.stdout.write(format_help(registry, table))
        return 0
    command = parse_command(args, registry, table)
    if command.global_options.list_plugins:
        from nnplug.cli.plugins import format_plugins

        sys.stdout.write(format_plugins(registry))
        return 0
    from nnplug.session import TrainingSession

    return TrainingSession(registry, command).run()


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train(args: tuple[str, ...]) -> None:
    """Train one or more experiments (see `nnplug train --help`)."""
    status = run_train(list(args))
    if status:
        sys.exit(status)


def main() -> None:
    """Console-script and ``bin/train`` entry point."""
    from nnplug.executors.processes import keep_freed_memory

    args = sys.argv[1:]
    keep_freed_memory()  # this process runs the sequential loop's trials: they reuse each other's freed memory
    interrupts.finish(run_guarded(lambda: run_train(args), "train", wants_debug(args)))
