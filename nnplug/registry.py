"""Finds plugins through package entry points, describes them without importing, loads them.

Every plugin kind has one entry-point group (``nnplug.models``...) and one base class. Built-in
plugins are registered by the distributions under ``plugins/`` exactly as a third-party package
registers its own (``[options.entry_points]`` in its ``setup.cfg``). Discovery reads the
installed distributions' metadata; loading goes through stevedore's ``DriverManager``, so only
the selected plugin's module is imported.

Rules:
- two distributions registering the same name in one kind: both are listed, and selecting that
  name is an error naming both distributions (uninstall one, or rename);
- a plugin whose source cannot be read, or that fails to import, is listed as broken with the
  reason; the others keep working;
- a loaded class that does not subclass its kind's base class is refused.
"""
from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from nnplug.errors import NnplugError, PluginLoadError
from nnplug.introspection import ClassDescription, IntrospectionError, describe_entry_point
from nnplug.options import OptionSpec


@dataclass(frozen=True)
class Kind:
    """A plugin kind: its entry-point group, base class, selecting option and default plugin."""

    name: str
    group: str
    base: str
    option: str
    default: str
    title: str
    #: whether ``bin/train`` selects plugins of this kind (its options show in ``--help``).
    trained: bool = True
    #: the command whose ``--option`` selects the plugin, when it is not ``bin/train`` (listings show it).
    command: str = ""

    @property
    def selected_with(self) -> str:
        """How a user selects a plugin of this kind: ``--model``, ``bin/infer --inference-engine``."""
        flag = "--" + self.option.replace("_", "-")
        return f"{self.command} {flag}" if self.command else flag

    def base_class(self) -> type:
        """Import and return the kind's base class."""
        module, _, cls = self.base.partition(":")
        return getattr(importlib.import_module(module), cls)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("data_loader", "nnplug.data_loaders", "nnplug.data_loader:DataLoader", "data_loader", "NumpyVips", "Data loader"),
        Kind("model", "nnplug.models", "nnplug.model:Model", "model", "OneLayer", "Model"),
        Kind("optimizer", "nnplug.optimizers", "nnplug.optimizer:Optimizer", "optimizer", "Adam", "Optimizer"),
        Kind("loss", "nnplug.losses", "nnplug.loss:Loss", "loss", "CrossEntropy", "Loss"),
        Kind("accuracy", "nnplug.accuracies", "nnplug.accuracy:Accuracy", "accuracy", "ClassesNumpy", "Accuracy"),
        Kind("image_backend", "nnplug.image_backends", "nnplug.image_backend:ImageBackend", "image_backend", "Vips", "Image backend", trained=False, command="bin/infer"),
        Kind(
            "inference_engine", "nnplug.inference_engines", "nnplug.inference_engine:InferenceEngine", "inference_engine", "OnnxRuntime",
            "Inference engine", trained=False, command="bin/infer",
        ),
    )
}


@dataclass
class PluginInfo:
    """An installed plugin as discovered: where it comes from and what it offers.

    Attributes:
        kind: the kind name (``"model"``).
        name: the name users type (the entry-point name).
        target: ``module:Class`` from the entry point.
        distribution: the distribution that registers it, with its version.
        conflicts: other distributions registering the same name in the same kind.
    """

    kind: str
    name: str
    target: str
    distribution: str
    version: str
    conflicts: list[str] = field(default_factory=list)
    #: the class itself, for plugins added in-process (:meth:`Registry.add`) rather than installed.
    cls: type | None = None

    @cached_property
    def _described(self) -> ClassDescription | str:
        try:
            if self.cls is not None:
                from nnplug.introspection import describe_class

                return describe_class(self.cls)
            return describe_entry_point(self.target)
        except (IntrospectionError, OSError) as err:
            return str(err)

    @property
    def error(self) -> str | None:
        """Why the plugin cannot be used, or None."""
        return self._described if isinstance(self._described, str) else None

    @property
    def description(self) -> str:
        """One-line description (first line of the class docstring)."""
        return "" if isinstance(self._described, str) else self._described.description

    @property
    def long_description(self) -> str:
        """The rest of the class docstring."""
        return "" if isinstance(self._described, str) else self._described.long_description

    @property
    def options(self) -> list[OptionSpec]:
        """The constructor's options (empty when broken)."""
        return [] if isinstance(self._described, str) else self._described.options


def discover() -> dict[str, dict[str, PluginInfo]]:
    """Return installed plugins by kind then name, without importing any of them."""
    found: dict[str, dict[str, PluginInfo]] = {kind: {} for kind in KINDS}
    by_group = {kind.group: kind.name for kind in KINDS.values()}
    seen: set[tuple[str, str, str]] = set()
    for dist in importlib.metadata.distributions():
        dist_name = dist.metadata["Name"] or "?"
        for entry in dist.entry_points:
            kind = by_group.get(entry.group)
            if kind is None or (kind, entry.name, dist_name) in seen:
                continue
            seen.add((kind, entry.name, dist_name))
            info = PluginInfo(kind, entry.name, entry.value, dist_name, dist.version)
            existing = found[kind].get(entry.name)
            if existing is not None:
                existing.conflicts.append(dist_name)
                info.conflicts.append(existing.distribution)
                info.conflicts.extend(c for c in existing.conflicts if c != dist_name)
                continue
            found[kind][entry.name] = info
    return found


class Registry:
    """The installed plugins, discovered once; loads and instantiates them on demand."""

    def __init__(self, plugins: dict[str, dict[str, PluginInfo]] | None = None) -> None:
        self.plugins = discover() if plugins is None else plugins

    def add(self, kind: str, name: str, cls: type) -> PluginInfo:
        """Register a class in-process under ``name`` (tests, notebooks); it shadows installed ones."""
        info = PluginInfo(kind, name, f"{cls.__module__}:{cls.__qualname__}", "<in-process>", "", cls=cls)
        self.plugins[kind][name] = info
        return info

    def names(self, kind: str) -> list[str]:
        """Sorted names of the plugins of ``kind``."""
        return sorted(self.plugins[kind])

    def info(self, kind: str, name: str) -> PluginInfo:
        """The :class:`PluginInfo` of a plugin, or a one-line error listing the available names."""
        try:
            info = self.plugins[kind][name]
        except KeyError:
            available = ", ".join(self.names(kind)) or "none installed"
            raise NnplugError(f"unknown {KINDS[kind].title.lower()} {name!r} (available: {available})") from None
        if info.conflicts:
            dists = ", ".join([info.distribution, *info.conflicts])
            raise PluginLoadError(
                f"{KINDS[kind].title.lower()} {name!r} is registered by several distributions ({dists}): uninstall all but one"
            )
        if info.error:
            raise PluginLoadError(f"{KINDS[kind].title.lower()} {name!r} is broken: {info.error}")
        return info

    def load(self, kind: str, name: str) -> type:
        """Import and return the class of a plugin, checked against its kind's base class."""
        info = self.info(kind, name)
        if info.cls is not None:
            return self._checked(kind, name, info, info.cls)
        from stevedore import DriverManager, ExtensionManager

        # stevedore keeps each group's entry points for the life of the process; a plugin
        # installed since (tests, notebooks) must still be found.
        ExtensionManager.ENTRY_POINT_CACHE.pop(KINDS[kind].group, None)
        failures: list[BaseException] = []
        try:
            manager = DriverManager(
                KINDS[kind].group,
                name,
                on_load_failure_callback=lambda _manager, _entry, err: failures.append(err),
                on_missing_entrypoints_callback=lambda _missing: None,
            )
            cls = manager.driver
        except Exception as err:  # stevedore raises NoMatches when the import failed
            cause = failures[0] if failures else err
            raise PluginLoadError(
                f"{KINDS[kind].title.lower()} {name!r} from {info.distribution} failed to load: {type(cause).__name__}: {cause}"
            ) from cause
        return self._checked(kind, name, info, cls)

    @staticmethod
    def _checked(kind: str, name: str, info: PluginInfo, cls: Any) -> type:
        base = KINDS[kind].base_class()
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise PluginLoadError(
                f"{KINDS[kind].title.lower()} {name!r} ({info.target}) is not a subclass of {base.__module__}.{base.__name__}"
            )
        return cls

    def create(self, kind: str, name: str, options: dict[str, Any]) -> Any:
        """Instantiate a plugin with ``options`` (already parsed); record its name and options."""
        cls = self.load(kind, name)
        try:
            plugin = cls(**options)
        except NnplugError as err:
            raise NnplugError(f"{name}: {err}") from err
        except ValueError as err:
            raise NnplugError(f"{name}: {err}") from err
        plugin.plugin_name = name
        plugin.options = dict(options)
        return plugin
