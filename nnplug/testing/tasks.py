"""Find the task a contract check follows: the plugin's declared tasks, as installed task plugins."""
from __future__ import annotations

from typing import Any

from nnplug.task import Classification, Regression, Task

#: The built-in tasks, used when the registry does not hold them (toy registries, bare checkouts).
BUILT_IN: dict[str, type[Task]] = {"classification": Classification, "regression": Regression}


def task_named(name: str, registry: Any = None) -> Task:
    """The task plugin ``name``: from ``registry`` (default: the installed plugins), else a built-in.

    Raises:
        AssertionError: no such task is installed.
    """
    if registry is None:
        from nnplug.registry import Registry

        registry = Registry()
    if name in registry.plugins.get("task", {}):
        return registry.create("task", name, {})
    if name in BUILT_IN:
        task = BUILT_IN[name]()
        task.plugin_name = name
        return task
    installed = ", ".join(sorted({*registry.plugins.get("task", {}), *BUILT_IN}))
    raise AssertionError(f"task {name!r} is not installed (tasks: {installed}): install the package that adds it")


def declared_tasks(plugin: Any) -> tuple[str, ...]:
    """The tasks a plugin (class or instance) declares in its ``tasks`` class attribute."""
    tasks = getattr(plugin, "tasks", ()) or ()
    return tuple(str(t) for t in tasks)
