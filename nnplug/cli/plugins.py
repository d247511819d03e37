"""``nnplug plugins``: every installed plugin, with its kind, provider and description."""
from __future__ import annotations

import sys

import click

from nnplug.registry import KINDS, Registry


def format_plugins(registry: Registry) -> str:
    """A table of the installed plugins, by kind; broken and conflicting ones say why."""
    lines = []
    for kind, plugins in registry.plugins.items():
        title = KINDS[kind]
        lines.append(f"{title.title} plugins ({title.selected_with}, entry points {title.group}):")
        if not plugins:
            lines.append("  (none installed)")
        width = max((len(n) for n in plugins), default=0)
        for name in sorted(plugins):
            info = plugins[name]
            provider = f"{info.distribution} {info.version}"
            if info.conflicts:
                text = f"CONFLICT: also registered by {', '.join(info.conflicts)}"
            elif info.error:
                text = f"BROKEN: {info.error}"
            else:
                text = info.description
            default = " (default)" if name == title.default else ""
            lines.append(f"  {name:<{width}}  [{provider}]{default}  {text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@click.command()
def plugins() -> None:
    """List every installed plugin with its kind, name, distribution and description."""
    sys.stdout.write(format_plugins(Registry()))
