"""Turn what a test passes to a contract check (a class or a ready instance) into plugin instances."""
from __future__ import annotations

import copy
from typing import Any, Callable

from nnplug.plugin import Plugin


def plugin_factory(plugin: type | Plugin, options: dict[str, Any] | None, base: type) -> Callable[[], Any]:
    """Return a function that builds a fresh, identically configured plugin on every call.

    Args:
        plugin: a plugin class (built with ``options``) or an instance (deep-copied on every
            call, so each check starts from the instance as it was given).
        options: constructor keyword arguments.
        base: the kind's base class; anything else is refused.
    """
    cls = plugin if isinstance(plugin, type) else type(plugin)
    if not issubclass(cls, base):
        raise AssertionError(f"{cls.__qualname__} is not a subclass of {base.__module__}.{base.__qualname__}")
    name = getattr(plugin, "plugin_name", "") or cls.__name__
    if not isinstance(plugin, type):
        original = copy.deepcopy(plugin)  # later changes to the caller's instance do not leak in
        return lambda: copy.deepcopy(original)
    kwargs = dict(options or {})

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
