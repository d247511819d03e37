"""Logistic sigmoid."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class Sigmoid(Layer):
    """``1 / (1 + exp(−x))``, computed as ``(1 + tanh(x / 2)) / 2`` (no overflow for large |x|)."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """The sigmoid of ``x``; remembers it."""
        self.output = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.output

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """``g * a * (1 − a)``."""
        return gradient * self.output * (1.0 - self.output)
