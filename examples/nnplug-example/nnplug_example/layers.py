"""The three layers TanhMLP is made of, each with its forward and backward side by side (numpy).

This package's own layers: a plugin never reaches into another plugin's internals (nnplug-numpy
has layers too), it uses nnplug's public API and its own code.
"""
from __future__ import annotations

import numpy as np

from nnplug import Parameter


class Dense:
    """x @ W + b, with Glorot-uniform weights and zero bias."""

    def __init__(self, name: str, inputs: int, outputs: int, rng: np.random.Generator) -> None:
        limit = np.sqrt(6.0 / (inputs + outputs))
        self.name = name
        self.weights = Parameter(f"{name}_W", rng.uniform(-limit, limit, size=(inputs, outputs)), decay=True, layer=name)
        self.bias = Parameter(f"{name}_b", np.zeros(outputs), decay=False, layer=name)
        self.x = np.zeros((0, inputs))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Affine map; remembers its input for backward."""
        self.x = x
        return x @ self.weights.value + self.bias.value

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """Fill dW and db; return dCost/dInput."""
        self.weights.grad = self.x.T @ grad_output
        self.bias.grad = grad_output.sum(axis=0)
        return grad_output @ self.weights.value.T


class Tanh:
    """Hyperbolic tangent, element-wise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.y = np.zeros(0)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """tanh(x); remembers the output (its derivative is 1 - y²)."""
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dCost/dInput = grad * (1 - tanh²)."""
        return grad_output * (1.0 - self.y**2)


class Softmax:
    """Row-wise softmax: scores to class probabilities (full Jacobian in backward, no shortcut)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.y = np.zeros(0)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """exp(x - max) normalized per row."""
        shifted = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = shifted / shifted.sum(axis=1, keepdims=True)
        return self.y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """dCost/dInput = y * (grad - sum(grad * y)) per row."""
        return self.y * (grad_output - np.sum(grad_output * self.y, axis=1, keepdims=True))
