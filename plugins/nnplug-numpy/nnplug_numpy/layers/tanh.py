"""Hyperbolic tangent."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class Tanh(Layer):
    """``tanh(x)``."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``tanh(x)``; remembers it."""
        self.output = np.tanh(x)
        return self.output

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """``g * (1 − a²)``."""
        return gradient * (1.0 - self.output * self.output)
