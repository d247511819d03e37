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
from nnplug.introspection import (
    ClassDescription,
    IntrospectionError,
    declarations_of_class,
    declarations_of_entry_point,
    describe_entry_point,
)
from nnplug.kinds import KINDS, Kind  # noqa: F401  (defined there so that introspection needs no registry)
from nnplug.options import OptionSpec


def broken_reason(err: BaseException) -> str:
    """Why a plugin is broken, in one line: the error's own message for nnplug's, its type and message otherwise."""
    if isinstance(err, SystemExit):
        text = f"called sys.exit({err.code!r})"
    elif isinstance(err, (IntrospectionError, NnplugError, OSError)):
        text = str(err)
    else:
        text = f"{type(err).__name__}: {err}"
    return " ".join(text.split())[:500]


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
    #: the entry-point group it was found in (the kind's, or one of its ``legacy_groups``).
    group: str = ""

    @cached_property
    def _described(self) -> ClassDescription | str:
        try:
            if self.cls is not None:
                from nnplug.introspection import describe_class

                return describe_class(self.cls)
            return describe_entry_point(self.target)
        except (Exception, SystemExit) as err:  # noqa: BLE001 - whatever a plugin's source does, only it is broken
            return broken_reason(err)

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

    # declarations (engine, tasks, aliases), read from the source ---------------------------
    @cached_property
    def _declared(self) -> dict[str, Any] | str:
        try:
            found = declarations_of_class(self.cls) if self.cls is not None else declarations_of_entry_point(self.target)
        except (Exception, SystemExit) as err:  # noqa: BLE001 - see _described
            return broken_reason(err)
        aliases = found.get("aliases") or {}
        if not isinstance(aliases, dict) or not all(isinstance(v, dict) for v in aliases.values()):
            return "aliases must be a dict {entry-point name: {declaration: value}}"
        return {**found, **aliases.get(self.name, {})}

    def declared(self, name: str, default: Any = None) -> Any:
        """A declared class attribute (``engine``, ``tasks``, ``defaults``), an alias's pinned value first."""
        return default if isinstance(self._declared, str) else self._declared.get(name, default)

    @cached_property
    def _class_aliases(self) -> dict[str, dict[str, Any]]:
        if isinstance(self._declared, str):
            return {}
        found = declarations_of_class(self.cls) if self.cls is not None else declarations_of_entry_point(self.target)
        return dict(found.get("aliases") or {})

    @property
    def pinned(self) -> dict[str, Any]:
        """What this entry-point name pins when it is a declared alias (``{"engine": "torch"}``), else {}."""
        return dict(self._class_aliases.get(self.name, {}))

    @property
    def alias_of(self) -> str | None:
        """The name this entry point is a declared alias of (its class's name), or None."""
        return self.target.rpartition(":")[2].rpartition(".")[2] if self.name in self._class_aliases else None

    @property
    def engine(self) -> str | None:
        """The engine the plugin declares (``"numpy"``, ``"torch"``, ``"any"``), or None."""
        value = self.declared("engine")
        return value if isinstance(value, str) else None

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks the plugin declares (``("classification",)``), or ()."""
        value = self.declared("tasks", ())
        return tuple(value) if isinstance(value, (tuple, list)) else ()

    @property
    def declaration_error(self) -> str | None:
        """What the plugin fails to declare that its kind requires (engine, tasks), or None."""
        if isinstance(self._declared, str):
            return self._declared
        kind = KINDS[self.kind]
        where = self.target
        if kind.declares_engine and not self.engine:
            return f"{where} declares no engine (add the class attribute engine: ClassVar[str] = \"numpy\", \"torch\" or \"any\")"
        if kind.declares_tasks and not self.tasks:
            return f"{where} declares no tasks (add the class attribute tasks: ClassVar[tuple[str, ...]] = (\"classification\",))"
        return None


def discover() -> dict[str, dict[str, PluginInfo]]:
    """Return installed plugins by kind then name, without importing any of them."""
    found: dict[str, dict[str, PluginInfo]] = {kind: {} for kind in KINDS}
    by_group = {group: kind.name for kind in KINDS.values() for group in (kind.group, *kind.legacy_groups)}
    seen: set[tuple[str, str, str]] = set()
    for dist in importlib.metadata.distributions():
        dist_name = dist.metadata["Name"] or "?"
        for entry in dist.entry_points:
            kind = by_group.get(entry.group)
            if kind is None or (kind, entry.name, dist_name) in seen:
                continue
            seen.add((kind, entry.name, dist_name))
            info = PluginInfo(kind, entry.name, entry.value, dist_name, dist.version, group=entry.group)
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

    def create_engine(self, name: str) -> Any:
        """The engine plugin named ``name`` (what a model declares in its ``engine`` attribute)."""
        if name not in self.plugins["engine"]:
            available = ", ".join(self.names("engine")) or "none installed"
            raise NnplugError(f"engine {name!r} is not installed (installed engines: {available}); install the distribution that provides it")
        return self.create("engine", name, {})

    def load(self, kind: str, name: str) -> type:
        """Import and return the class of a plugin, checked against its kind's base class."""
        info = self.info(kind, name)
        if info.cls is not None:
            return self._checked(kind, name, info, info.cls)
        from stevedore import DriverManager, ExtensionManager

        # stevedore keeps each group's entry points for the life of the process; a plugin
        # installed since (tests, notebooks) must still be found.
        group = info.group or KINDS[kind].group
        ExtensionManager.ENTRY_POINT_CACHE.pop(group, None)
        failures: list[BaseException] = []
        try:
            manager = DriverManager(
                group,
                name,
                on_load_failure_callback=lambda _manager, _entry, err: failures.append(err),
                on_missing_entrypoints_callback=lambda _missing: None,
            )
            cls = manager.driver
        except (Exception, SystemExit) as err:  # stevedore raises NoMatches when the import failed; a package may sys.exit
            cause = failures[0] if failures else err
            raise PluginLoadError(
                f"{KINDS[kind].title.lower()} {name!r} from {info.distribution} failed to load: {broken_reason(cause)}"
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
        except (Exception, SystemExit) as err:  # noqa: BLE001 - one line naming the plugin (traceback under --debug)
            raise PluginLoadError(f"{KINDS[kind].title.lower()} {name!r} from {self.info(kind, name).distribution} failed to start: {broken_reason(err)}") from err
        plugin.plugin_name = name
        plugin.options = dict(options)
        return plugin
