"""Turn ``bin/train`` arguments into experiments.

Arguments are split at every ``--experiment``; each part is one experiment, starting from the
defaults. Global options (``--debug``, ``--runs-dir``...) may stand in any part. An option is
either the trainer's own (:class:`~nnplug.experiment.ExperimentOptions`) or a constructor
argument of a selected plugin; options that no selected plugin takes are refused.
Spellings: ``--name=value``, ``--name value``, and ``--name`` alone for a boolean (true).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from nnplug.compatibility import check_tracked_parameters, resolve
from nnplug.errors import NnplugError
from nnplug.experiment import PLUGIN_SLOTS, Experiment, ExperimentOptions, GlobalOptions
from nnplug.introspection import describe_class
from nnplug.options import OptionSpec, parse_value
from nnplug.registry import KINDS, Registry

EXPERIMENT_SEPARATOR = "--experiment"
#: Options that may be given several times, their values collected in a list.
REPEATABLE = {"track_layer"}


@dataclass
class OptionTable:
    """Every option ``bin/train`` knows: the trainer's and every installed plugin's.

    Attributes:
        global_specs: options of the whole command.
        experiment_specs: the trainer's per-experiment options.
        plugin_specs: for each flag, the plugins taking it as {(kind, plugin name): spec}.
    """

    global_specs: dict[str, OptionSpec]
    experiment_specs: dict[str, OptionSpec]
    plugin_specs: dict[str, dict[tuple[str, str], OptionSpec]] = field(default_factory=dict)
    #: general options of the executors, for each flag {executor name: spec} (taken with that --executor).
    executor_specs: dict[str, dict[str, OptionSpec]] = field(default_factory=dict)
    #: options expanding one experiment into a sweep (:mod:`nnplug.sweep`).
    sweep_specs: dict[str, OptionSpec] = field(default_factory=dict)

    @classmethod
    def build(cls, registry: Registry) -> "OptionTable":
        """Gather the options of the trainer and of every installed plugin (none is imported)."""
        global_specs = {s.flag: s for s in describe_class(GlobalOptions).options}
        experiment_specs = {}
        for spec in describe_class(ExperimentOptions).options:
            spec.repeatable = spec.name in REPEATABLE
            experiment_specs[spec.flag] = spec
        plugin_specs: dict[str, dict[tuple[str, str], OptionSpec]] = {}
        for kind, plugins in registry.plugins.items():
            if not KINDS[kind].trained:
                continue
            for name, info in sorted(plugins.items()):
                for spec in info.options:
                    if spec.flag in global_specs or spec.flag in experiment_specs:
                        continue  # the trainer's names win; docs/plugins.md lists them as reserved
                    plugin_specs.setdefault(spec.flag, {})[(kind, name)] = spec
        executor_specs: dict[str, dict[str, OptionSpec]] = {}
        for name, info in sorted(registry.plugins.get("executor", {}).items()):
            for spec in info.options:
                executor_specs.setdefault(spec.flag, {})[name] = spec
        from nnplug.sweep import SweepOptions

        sweep_specs = {s.flag: s for s in describe_class(SweepOptions).options}
        return cls(global_specs, experiment_specs, plugin_specs, executor_specs, sweep_specs)

    def all_flags(self) -> list[str]:
        """Every known flag."""
        return [*self.global_specs, *self.experiment_specs, *self.plugin_specs, *self.executor_specs, *self.sweep_specs, EXPERIMENT_SEPARATOR]


@dataclass
class ParsedCommand:
    """The result of parsing: global options and the experiments in order."""

    global_options: GlobalOptions
    experiments: list[Experiment]
    #: the options of the selected executor (``--jobs``...), parsed.
    executor_options: dict[str, Any] = field(default_factory=dict)


def _tokenize(args: list[str], table: OptionTable) -> list[tuple[str, str | None]]:
    """Pair each flag with its text value (None for a bare boolean flag)."""
    pairs: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == EXPERIMENT_SEPARATOR:
            pairs.append((arg, None))
            continue
        if not arg.startswith("--") or arg == "--":
            raise NnplugError(f"unexpected argument {arg!r}: options are written --name=value")
        flag, has_value, value = arg.partition("=")
        spec = _any_spec(flag, table)
        if spec is None:
            hint = difflib.get_close_matches(flag, table.all_flags(), n=1)
            raise NnplugError(f"unknown option {flag}" + (f" (did you mean {hint[0]}?)" if hint else "") + "; see --help")
        if has_value:
            pairs.append((flag, value))
        elif spec.type.base == "bool":
            if i < len(args) and args[i].lower() in ("true", "false"):
                pairs.append((flag, args[i]))
                i += 1
            else:
                pairs.append((flag, None))
        elif i < len(args) and not args[i].startswith("--"):
            pairs.append((flag, args[i]))
            i += 1
        else:
            raise NnplugError(f"option {flag} needs a value ({spec.type.metavar})")
    return pairs


def _any_spec(flag: str, table: OptionTable) -> OptionSpec | None:
    if flag in table.global_specs:
        return table.global_specs[flag]
    if flag in table.experiment_specs:
        return table.experiment_specs[flag]
    if flag in table.sweep_specs:
        return table.sweep_specs[flag]
    if flag in table.executor_specs:
        return next(iter(table.executor_specs[flag].values()))
    owners = table.plugin_specs.get(flag)
    return next(iter(owners.values())) if owners else None


def _value(spec: OptionSpec, text: str | None) -> Any:
    return True if text is None else parse_value(spec, text)


def parse_command(args: list[str], registry: Registry, table: OptionTable | None = None) -> ParsedCommand:
    """Parse the arguments of ``bin/train`` into global options and experiments.

    Raises:
        NnplugError: bad input (unknown option or plugin, bad value, option no selected plugin takes).
    """
    from nnplug.config import expand_config

    table = table or OptionTable.build(registry)
    pairs = _tokenize(expand_config(args, EXPERIMENT_SEPARATOR), table)
    global_values: dict[str, Any] = {}
    executor_texts: list[tuple[str, str | None]] = []
    segments: list[list[tuple[str, str | None]]] = [[]]
    for flag, text in pairs:
        if flag == EXPERIMENT_SEPARATOR:
            segments.append([])
        elif flag in table.global_specs:
            spec = table.global_specs[flag]
            global_values[spec.name] = _value(spec, text)
        elif flag in table.executor_specs:
            executor_texts.append((flag, text))
        else:
            segments[-1].append((flag, text))
    global_options = GlobalOptions(**global_values)
    if global_options.list_plugins:
        return ParsedCommand(global_options, [])
    executor_options = _executor_options(global_options.executor, executor_texts, registry, table)
    segments = [expanded for number, segment in enumerate(segments) for expanded in _swept(segment, table, number)]
    experiments = [_experiment(segment, index, registry, table) for index, segment in enumerate(segments)]
    _name_experiments(experiments)
    return ParsedCommand(global_options, experiments, executor_options)


def _executor_options(name: str, texts: list[tuple[str, str | None]], registry: Registry, table: OptionTable) -> dict[str, Any]:
    """The selected executor's options; an option of another executor is refused."""
    registry.info("executor", name)  # unknown executor: one line listing the installed ones
    values: dict[str, Any] = {}
    for flag, text in texts:
        owners = table.executor_specs[flag]
        spec = owners.get(name)
        if spec is None:
            raise NnplugError(f"option {flag} is not used by --executor={name} (it is an option of --executor={', '.join(sorted(owners))})")
        values[spec.name] = _value(spec, text)
    return values


def _swept(segment: list[tuple[str, str | None]], table: OptionTable, number: int) -> list[list[tuple[str, str | None]]]:
    """One segment per point of the segment's ``--sweep`` (the segment itself when it has none)."""
    from nnplug.sweep import SweepOptions, check_sweep, sweep_points, value_text

    values = {table.sweep_specs[f].name: _value(table.sweep_specs[f], t) for f, t in segment if f in table.sweep_specs}
    rest = [(f, t) for f, t in segment if f not in table.sweep_specs]
    if not values:
        return [segment]
    sweep = SweepOptions(**values)
    if "sweep" not in values:
        raise NnplugError("--sweep-samples and --sweep-seed need a --sweep")
    known = {f[2:] for f in [*table.experiment_specs, *table.plugin_specs]}
    points = sweep_points(check_sweep(sweep.sweep, known), sweep.sweep_samples, sweep.sweep_seed)
    base = next((t for f, t in reversed(rest) if f == "--exp-id" and t), None) or f"exp{number + 1}"
    return [
        rest + [(f"--{name}", value_text(value)) for name, value in point.values] + [("--exp-id", f"{base}-{point.suffix()}")]
        for point in points
    ]


def _experiment(
    segment: list[tuple[str, str | None]], index: int, registry: Registry, table: OptionTable
) -> Experiment:
    core: dict[str, Any] = {}
    plugin_texts: list[tuple[str, str | None]] = []
    for flag, text in segment:
        spec = table.experiment_specs.get(flag)
        if spec is None:
            plugin_texts.append((flag, text))
        elif spec.repeatable:  # a list option given once per item
            item = OptionSpec(spec.name, spec.type.item or spec.type, None)
            core.setdefault(spec.name, []).append(parse_value(item, text or ""))
        else:
            core[spec.name] = _value(spec, text)
    options = ExperimentOptions(**core)
    selected = resolve(options, registry, PLUGIN_SLOTS)  # engine defaults, then engine and task agreement
    plugin_options: dict[str, dict[str, Any]] = {kind: {} for kind in PLUGIN_SLOTS}
    for flag, text in plugin_texts:
        owners = table.plugin_specs[flag]
        used = False
        for kind, info in selected.items():
            spec = owners.get((kind, info.name))
            if spec is not None:
                plugin_options[kind][spec.name] = _value(spec, text)
                used = True
        if not used:
            users = ", ".join(sorted({name for _, name in owners}))
            raise NnplugError(f"option {flag} is not used by the selected plugins (it is an option of {users})")
    for kind, info in selected.items():
        for spec in info.options:
            if spec.required and spec.name not in plugin_options[kind]:
                raise NnplugError(f"{info.name} needs {spec.flag} ({spec.type.metavar})")
    check_tracked_parameters(options, registry, plugin_options["model"])
    if options.load_model is not None:
        from nnplug.checkpoints.rebuild import check_load_model

        check_load_model(options.load_model, options.model, plugin_options["model"], registry)
    return Experiment(options, plugin_options, index)


def _name_experiments(experiments: list[Experiment]) -> None:
    """Default ids are exp1, exp2...; a repeated id gets _1, _2 suffixes."""
    counts: dict[str, int] = {}
    for experiment in experiments:
        base = experiment.options.exp_id or f"exp{experiment.index + 1}"
        if base in counts:
            counts[base] += 1
            experiment.options.exp_id = f"{base}_{counts[base]}"
        else:
            counts[base] = 0
            experiment.options.exp_id = base
