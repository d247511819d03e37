"""``nnplug plugins``: every installed plugin, with its kind, provider and description."""
from __future__ import annotations

import sys

import click

from nnplug.registry import KINDS, PluginInfo, Registry


def declared_text(info: PluginInfo) -> str:
    """``engine numpy, tasks classification``: what a plugin declares (empty for kinds that declare nothing)."""
    kind = KINDS[info.kind]
    parts = []
    if kind.declares_engine:
        parts.append(f"engine {info.engine}")
    if kind.declares_tasks and info.tasks:
        parts.append(f"task{'s' if len(info.tasks) > 1 else ''} {', '.join(info.tasks)}")
    return ", ".join(parts)


def alias_text(info: PluginInfo) -> str:
    """``NumpyVips: alias of Vips (engine numpy)``."""
    pinned = ", ".join(f"{key} {value if isinstance(value, str) else ', '.join(value)}" for key, value in info.pinned.items())
    return f"{info.name}: alias of {info.alias_of}" + (f" ({pinned})" if pinned else "")


def engine_defaults(registry: Registry) -> dict[tuple[str, str], str]:
    """For each (slot, plugin name), the engines and tasks it is the default of: ``"numpy (classification, regression)"``."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for engine, info in sorted(registry.plugins["engine"].items()):
        for task, plugins in sorted((info.declared("defaults") or {}).items()):
            for slot, name in plugins.items():
                found.setdefault((slot, name), {}).setdefault(engine, []).append(task)
    return {key: "; ".join(f"{engine} ({', '.join(tasks)})" for engine, tasks in engines.items()) for key, engines in found.items()}


def _default_text(kind: str, name: str, defaults: dict[tuple[str, str], str]) -> str:
    if name == KINDS[kind].default:
        return " (default)"
    default_of = defaults.get(("metric" if kind in ("metric", "accuracy") else kind, name))
    return f" (default of {default_of})" if default_of else ""


def format_plugins(registry: Registry) -> str:
    """A table of the installed plugins, by kind; broken and conflicting ones say why.

    Each plugin shows its declared engine and tasks; declared aliases are listed under the plugin
    they alias (``NumpyVips: alias of Vips (engine numpy)``). Plugins a run takes when the user
    names none say so (``default``, or ``default of numpy classification`` for engine defaults).
    """
    lines = []
    defaults = engine_defaults(registry)
    for kind, plugins in registry.plugins.items():
        title = KINDS[kind]
        lines.append(f"{title.title} plugins ({title.selected_with}, entry points {title.group}):")
        if not plugins:
            lines.append("  (none installed)")
        aliases: dict[str, list[PluginInfo]] = {}
        for info in plugins.values():
            if info.alias_of and info.alias_of in plugins:
                aliases.setdefault(info.alias_of, []).append(info)
        shown = [name for name in sorted(plugins) if not (plugins[name].alias_of and plugins[name].alias_of in plugins)]
        width = max((len(n) for n in shown), default=0)
        for name in shown:
            info = plugins[name]
            provider = f"{info.distribution} {info.version}"
            if info.conflicts:
                text = f"CONFLICT: also registered by {', '.join(info.conflicts)}"
            elif info.error:
                text = f"BROKEN: {info.error}"
            elif info.declaration_error:
                text = f"BROKEN: {info.declaration_error}"
            else:
                text = info.description
            default = _default_text(kind, name, defaults)
            declared = declared_text(info) if not (info.error or info.conflicts) else ""
            declared = f" [{declared}]" if declared else ""
            lines.append(f"  {name:<{width}}  [{provider}]{declared}{default}  {text}")
            for alias in sorted(aliases.get(name, []), key=lambda a: a.name):
                lines.append(f"    {alias_text(alias)}{_default_text(kind, alias.name, defaults)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@click.command()
def plugins() -> None:
    """List every installed plugin with its kind, name, distribution and description."""
    sys.stdout.write(format_plugins(Registry()))
