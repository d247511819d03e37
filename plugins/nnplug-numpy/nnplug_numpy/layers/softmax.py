"""Softmax over each sample's scores."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class Softmax(Layer):
    """``exp(x) / Σ exp(x)`` per row, with the row maximum subtracted first (no overflow)."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """Probabilities per row; remembers them."""
        shifted = x - x.max(axis=1, keepdims=True)
        output = np.exp(shifted, out=shifted)
        output /= output.sum(axis=1, keepdims=True)
        self.output = output
        return output

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """Full Jacobian-vector product: ``a * (g − Σ g·a)`` per row (no cross-entropy shortcut)."""
        a = self.output
        dot = np.einsum("ij,ij->i", gradient, a)[:, None]
        result = gradient - dot
        result *= a
        return result
