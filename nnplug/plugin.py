"""The root of every plugin kind: what all plugins share."""
from __future__ import annotations

from typing import Any, ClassVar


class Plugin:
    """Base of every plugin kind.

    A plugin is configured only through its constructor's keyword arguments: each one becomes a
    command-line option (``learning_rate`` becomes ``--learning-rate``) whose type comes from the
    type hint, whose default comes from the default value and whose help comes from the
    ``Args:`` section of the constructor's (or the class's) docstring. The first line of the
    class docstring is the plugin's one-line description.

    Attributes set by the registry when it instantiates a plugin (plugins do not set them):
        plugin_name: the entry-point name the user selected (e.g. ``"Adam"``).
        options: the keyword arguments the plugin was built with (its full configuration).
    """

    kind: ClassVar[str] = "plugin"
    plugin_name: str = ""
    options: dict[str, Any]

    def config(self) -> dict[str, Any]:
        """Return what rebuilds this plugin: its name and the options it was built with."""
        return {"name": self.plugin_name or type(self).__name__, "options": dict(getattr(self, "options", {}))}
