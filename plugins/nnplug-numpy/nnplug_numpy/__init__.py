"""nnplug-numpy: built-in nnplug plugins (kept light: importing the package imports no backend).

Public API for packages that build numpy-engine models from these layers (the benchmarks'
sigmoid MLP, third-party models): :class:`NumpyModel`, the base class of layer-stack models, and
the layers (:class:`Layer`, :class:`Dense`, :class:`Sigmoid`, :class:`Softmax`...). They are
imported on first use. Every other module of this package is internal.
"""
from __future__ import annotations

from typing import Any

__all__ = ["BatchNormalization", "Dense", "Dropout", "Layer", "LeakyReLU", "NumpyModel", "ReLU", "Sigmoid", "Softmax", "Tanh"]

#: public name → module defining it (imported on first access, so ``import nnplug_numpy`` stays light).
_EXPORTS = {"NumpyModel": "nnplug_numpy.models.numpy_model"} | {
    name: "nnplug_numpy.layers" for name in __all__ if name != "NumpyModel"
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'nnplug_numpy' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
