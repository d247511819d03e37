"""The engine a contract check talks to a plugin through, found from the plugin's declaration.

Checks build their inputs with numpy and hand them to a plugin in the plugin's own engine; what
comes back is read as numpy. The engine is the installed engine plugin named by the plugin's
``engine`` class attribute (:class:`~nnplug.engine.Engine`, found through the registry); plugins
declaring ``"any"`` read and give numpy arrays, served by :class:`NumpyArrays`. Nothing here
guesses an engine from a value's type or a module name.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug.engine import ANY_ENGINE, Engine
from nnplug.introspection import declarations_of_class

#: Engines already created, by name (creating torch's imports torch once).
_CREATED: dict[str, Engine] = {}


class NumpyArrays(Engine):
    """Plain numpy arrays, as-is: the engine of checks on plugins that declare ``engine = "any"``."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {}

    def to_numpy(self, value: Any) -> np.ndarray:
        """The array itself (numbers become 0-d arrays)."""
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> np.ndarray:
        """``array`` with ``like``'s dtype when given, else unchanged."""
        return np.asarray(array, dtype=np.asarray(like).dtype if like is not None else None)


def declared_engine(plugin: Any) -> str:
    """The ``engine`` a plugin class (or instance) declares; AssertionError naming it when it declares none."""
    cls = plugin if isinstance(plugin, type) else type(plugin)
    engine = declarations_of_class(cls).get("engine")
    if not isinstance(engine, str) or not engine:
        raise AssertionError(
            f"{cls.__qualname__} declares no engine: add the class attribute engine: ClassVar[str] = \"numpy\", \"torch\" or \"any\""
        )
    return engine


def engine_named(name: str, registry: Any = None) -> Engine:
    """The installed engine plugin ``name`` (``"any"``: :class:`NumpyArrays`), created once per process.

    Args:
        name: an ``nnplug.engines`` entry-point name.
        registry: where to find it (default: the installed plugins).
    """
    if name == ANY_ENGINE:
        return NumpyArrays()
    if registry is None and name in _CREATED:
        return _CREATED[name]
    from nnplug.errors import NnplugError
    from nnplug.registry import Registry

    try:
        engine = (registry or Registry()).create_engine(name)
    except NnplugError as err:
        raise AssertionError(str(err)) from None
    if registry is None:
        _CREATED[name] = engine
    return engine


def engine_for(plugin: Any, registry: Any = None) -> Engine:
    """The engine a check uses with ``plugin``: the one its ``engine`` attribute names."""
    return engine_named(declared_engine(plugin), registry)


def engine_of(plugin: Any) -> str:
    """The name of the engine a plugin declares (its ``engine`` class attribute)."""
    return declared_engine(plugin)


def to_float(value: Any, engine: Engine | None = None) -> float:
    """Read an engine scalar (0-d array, 1-element tensor, number) as a float; AssertionError for arrays.

    ``engine`` reads it (None: numpy reads it directly).
    """
    array = engine.to_numpy(value) if engine is not None else np.asarray(value)
    if array.size != 1:
        raise AssertionError(f"expected a scalar, got an array of shape {tuple(array.shape)}")
    return float(array.reshape(()))


def copy_of(value: Any, engine: Engine | None = None) -> np.ndarray:
    """A numpy copy of an engine array (safe from later in-place updates); ``engine`` reads it (None: numpy)."""
    return np.array(engine.to_numpy(value) if engine is not None else value, copy=True)
