"""nnplug-torch: built-in nnplug plugins (kept light: importing the package imports no backend).

Public API for packages that build on the torch engine (nnplug-onnx, third-party models):
:class:`TorchModel`, the base class of torch model plugins, and :class:`SeededDropout`, dropout
drawing its masks from nnplug's seeded generator. They are imported (with torch) on first use.
Every other module of this package is internal.
"""
from __future__ import annotations

from typing import Any

__all__ = ["SeededDropout", "TorchModel"]

#: public name → module defining it (imported on first access, so ``import nnplug_torch`` stays light).
_EXPORTS = {"TorchModel": "nnplug_torch.model", "SeededDropout": "nnplug_torch.dropout"}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'nnplug_torch' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
