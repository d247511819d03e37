"""Debug logging (``--debug``): summaries of arrays computed only when a record is emitted.

Loggers are named after the component that logs (``nnplug.trainer``, ``nnplug.layers``...);
``--debug`` turns them on with timestamps (:func:`nnplug.cli.errors.run_guarded`). Pass a
:class:`Summary` as a logging argument: its statistics are computed only if the record is
actually formatted, so debug calls cost nothing when debug is off.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

LAYERS_LOG = logging.getLogger("nnplug.layers")


class Summary:
    """A lazy one-line description of an array: shape, dtype, mean, std, min and max.

    Args:
        value: an engine array, a number or None.
        engine: the engine that reads ``value`` as numpy (None: numpy reads it directly).
    """

    __slots__ = ("value", "engine")

    def __init__(self, value: Any, engine: Any = None) -> None:
        self.value = value
        self.engine = engine

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "none"
        array = self.engine.to_numpy(value) if self.engine is not None else np.asarray(value)
        if array.size == 0:
            return f"empty {array.dtype} {tuple(array.shape)}"
        if not np.issubdtype(array.dtype, np.number):
            return f"{array.dtype} {tuple(array.shape)}"
        data = array.astype(np.float64, copy=False)
        finite = np.isfinite(data)
        bad = "" if finite.all() else f", {int((~finite).sum())} NaN/Inf"
        data = data[finite] if not finite.all() else data
        if data.size == 0:
            return f"{array.dtype} {tuple(array.shape)}{bad}"
        return (
            f"{array.dtype} {tuple(array.shape)} mean {data.mean():.4g} std {data.std():.4g} "
            f"min {data.min():.4g} max {data.max():.4g}{bad}"
        )

    __repr__ = __str__


class LayerDebugLogger:
    """A layer observer logging every layer's output and backward gradient (attached under ``--debug``).

    Args:
        engine: the model's engine, which reads activations and gradients as numpy.
    """

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine

    def before_forward(self, layer: str) -> None:
        """Nothing to log before the pass."""

    def after_forward(self, layer: str, output: Any) -> None:
        """Log a summary of the activation ``layer`` produced."""
        LAYERS_LOG.debug("%s forward output %s", layer, Summary(output, self.engine))

    def before_backward(self, layer: str) -> None:
        """Nothing to log before the pass."""

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Log a summary of the gradient ``layer`` passes back."""
        LAYERS_LOG.debug("%s backward gradient %s", layer, Summary(gradient, self.engine))
