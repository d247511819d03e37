"""Constant: gradient descent with a fixed learning rate."""
from __future__ import annotations

from nnplug_numpy.optimizers.numpy_optimizer import NumpyOptimizer


class Constant(NumpyOptimizer):
    """Plain gradient descent with a constant learning rate (numpy)."""

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.0) -> None:
        """
        Args:
            learning_rate: step size of every update.
            weight_decay: L2 regularization strength (adds weight_decay / 2 · ΣW² to the cost).
        """
        super().__init__(learning_rate, weight_decay)
