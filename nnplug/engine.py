"""The engine plugin kind (entry-point group ``nnplug.engines``): what one array library computes with.

An engine owns everything that depends on the array library a model computes with (numpy,
torch, ...): turning numpy batches into its arrays and back, reading scalars, writing tensors
in place, the devices it offers, and the plugins a run uses when the user names none. The core
asks the engine and never guesses one from a value's type, a module name or an attribute.

Every other plugin says which engine it computes with in a class attribute that listings read
without importing it::

    class NLayersTorch(Model):
        engine: ClassVar[str] = "torch"

``"any"`` (:data:`ANY_ENGINE`) marks plugins that work with every engine: data loaders deliver
numpy batches that the model's engine converts, and metrics read numpy outputs.
"""
from __future__ import annotations

from abc import abstractmethod
from functools import lru_cache
from typing import Any, Callable, ClassVar

import numpy as np

from nnplug.plugin import Plugin

#: The engine declared by plugins that serve every engine (data loaders, metrics).
ANY_ENGINE = "any"


class Engine(Plugin):
    """An array library models compute with: conversions, scalars, storage, devices, defaults.

    Subclasses set :attr:`defaults` (read without importing the engine's module) and implement the
    conversions. The entry-point name is the engine's name, the one other plugins declare in their
    ``engine`` class attribute.
    """

    kind: ClassVar[str] = "engine"
    #: Plugins a run uses when the user names none, per task: ``{"classification": {"optimizer":
    #: "Adam", "loss": "CrossEntropy", "metric": "ClassesNumpy"}, ...}``. A literal: listings and
    #: ``bin/train`` read it from the source without importing the engine.
    defaults: ClassVar[dict[str, dict[str, str]]] = {}

    @abstractmethod
    def to_numpy(self, value: Any) -> np.ndarray:
        """Return an engine array (or scalar) as a numpy array on the CPU, outside any autograd graph."""

    @abstractmethod
    def from_numpy(self, array: np.ndarray, like: Any = None) -> Any:
        """Return a numpy array as an engine array.

        With ``like`` (an engine array) the result takes its dtype and device; without, the
        engine's default float type for samples and targets.
        """

    def scalar(self, value: Any) -> float:
        """Return an engine scalar (a cost, a 1-element array) as a Python float."""
        return float(self.to_numpy(value).reshape(()))

    def assign(self, target: Any, array: np.ndarray) -> None:
        """Overwrite the engine array ``target`` in place with the numpy ``array`` (same shape)."""
        target[...] = self.from_numpy(array, like=target)

    def set_entry(self, target: Any, index: tuple[int, ...], number: float) -> None:
        """Write one entry of the engine array ``target`` in place (no autograd record)."""
        target[index] = number

    def all_finite(self, value: Any) -> bool:
        """Whether every entry of an engine array (or scalar) is finite."""
        return bool(np.isfinite(self.to_numpy(value)).all())

    def dtype_name(self, value: Any) -> str:
        """``"float32"``, ``"float64"``... of an engine array."""
        return str(self.to_numpy(value).dtype)

    def gradient(self, function: Callable[[Any], Any], array: np.ndarray) -> np.ndarray | None:
        """d function(x) / dx at the numpy ``array``, for engines that differentiate automatically.

        ``function`` takes an engine array (of ``array``'s dtype) and returns an engine scalar.
        Contract checks use it for losses that give no ``gradient()`` method. None (the
        default): this engine does not differentiate automatically.
        """
        return None

    def devices(self) -> list[str]:
        """The devices this engine can compute on here (``["cpu"]`` unless overridden)."""
        return ["cpu"]


@lru_cache(maxsize=None)
def installed_engine(name: str) -> Engine:
    """The installed engine plugin ``name`` (an ``nnplug.engines`` entry point), created once per process.

    For code that holds a plugin but not the run's engine (a model's default ``state_dict``...).

    Raises:
        NnplugError: no installed engine has that name.
    """
    from nnplug.registry import Registry

    return Registry().create_engine(name)
