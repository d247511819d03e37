"""Turn what a test passes to a contract check (a class or a ready instance) into plugin instances."""
from __future__ import annotations

from typing import Any, Callable

from nnplug.plugin import Plugin


def plugin_factory(plugin: type | Plugin, options: dict[str, Any] | None, base: type) -> Callable[[], Any]:
    """Return a function that builds a fresh, identically configured plugin on every call.

    Args:
        plugin: a plugin class (built with ``options``) or an instance (rebuilt from its class
            and the options it was made with: ``instance.options`` when the registry made it,
            else ``options``).
        options: constructor keyword arguments.
        base: the kind's base class; anything else is refused.
    """
    cls = plugin if isinstance(plugin, type) else type(plugin)
    if not issubclass(cls, base):
        raise AssertionError(f"{cls.__qualname__} is not a subclass of {base.__module__}.{base.__qualname__}")
    if isinstance(plugin, type):
        kwargs = dict(options or {})
    else:
        kwargs = dict(getattr(plugin, "options", None) or options or {})
    name = getattr(plugin, "plugin_name", "") or cls.__name__

    def build() -> Any:
        try:
            instance = cls(**kwargs)
        except TypeError as err:
            raise AssertionError(f"{name}: cannot be built with options {kwargs}: {err}") from err
        instance.plugin_name = name
        instance.options = dict(kwargs)
        return instance

    return build


def display_name(plugin: Any) -> str:
    """How messages name a plugin: its entry-point name, else its class name."""
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return getattr(plugin, "plugin_name", "") or cls.__name__
