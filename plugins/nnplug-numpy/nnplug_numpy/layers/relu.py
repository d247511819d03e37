"""Rectified linear unit."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class ReLU(Layer):
    """``max(x, 0)``."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``max(x, 0)``; remembers where ``x`` is positive."""
        self.positive = x > 0
        return x * self.positive

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """The gradient flows only where the input was positive."""
        return gradient * self.positive
