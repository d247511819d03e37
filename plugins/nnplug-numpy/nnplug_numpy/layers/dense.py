"""Fully connected layer: ``output = x @ W (+ b)``."""
from __future__ import annotations

import numpy as np

from nnplug.model import Parameter
from nnplug_numpy.initializers import initializer
from nnplug_numpy.layers.layer import Layer


class Dense(Layer):
    """Fully connected layer: ``output = x @ W + b``, W of shape (inputs, units).

    Args:
        units: number of outputs.
        bias: whether to add the bias vector ``b`` (useless before batch normalization).
        initializer: initializer of ``W`` (``b`` starts at zero).
    """

    def __init__(self, units: int, bias: bool = True, initializer: str = "GlorotUniform") -> None:
        super().__init__()
        self.units = units
        self.use_bias = bias
        self.initializer = initializer
        self.x: np.ndarray | None = None

    def build(self, name: str, input_size: int, dtype: np.dtype, rng: np.random.Generator) -> int:
        """Create ``W`` (inputs, units), decayed, and ``b`` (units), not decayed."""
        super().build(name, input_size, dtype, rng)
        shape = (input_size, self.units)
        self.W = self.parameter("W", initializer(self.initializer)(rng, shape, input_size, self.units).astype(dtype), decay=True)
        self.b = self.parameter("b", np.zeros(self.units, dtype=dtype), decay=False) if self.use_bias else None
        return self.units

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``x @ W + b``."""
        self.x = x
        output = x @ self.W.value
        if self.b is not None:
            output += self.b.value
        return output

    def backward_parameters(self, gradient: np.ndarray) -> None:
        """dW = xᵀ·g, db = Σ g."""
        np.matmul(self.x.T, gradient, out=self.W.grad)
        if self.b is not None:
            np.sum(gradient, axis=0, out=self.b.grad)

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """dx = g·Wᵀ."""
        return gradient @ self.W.value.T

    def output_after_change(
        self, parameter: Parameter, index: tuple[int, ...], delta: float, x: np.ndarray, output: np.ndarray
    ) -> np.ndarray | None:
        """Only one output column moves: by ``delta * x[:, i]`` for W[i, j], by ``delta`` for b[j]."""
        changed = output.copy()
        if parameter is self.W:
            row, column = index
            changed[:, column] += delta * x[:, row]
        else:
            changed[:, index[0]] += delta
        return changed
