"""ExponentialDecay: gradient descent whose learning rate shrinks every epoch."""
from __future__ import annotations

from nnplug.errors import NnplugError
from nnplug_numpy.optimizers.numpy_optimizer import NumpyOptimizer


class ExponentialDecay(NumpyOptimizer):
    """Gradient descent with learning rate ``learning_rate * decay^(epoch − 1)`` (numpy)."""

    def __init__(self, learning_rate: float = 0.001, decay: float = 0.9, weight_decay: float = 0.0) -> None:
        """
        Args:
            learning_rate: step size during the first epoch.
            decay: factor applied to the learning rate at each new epoch, in (0, 1].
            weight_decay: L2 regularization strength (adds weight_decay / 2 · ΣW² to the cost).
        """
        super().__init__(learning_rate, weight_decay)
        if not 0.0 < decay <= 1.0:
            raise NnplugError(f"--decay must be in (0, 1], got {decay}")
        self.decay = float(decay)

    def current_learning_rate(self, epoch: int) -> float:
        """``learning_rate * decay^(epoch − 1)`` (epochs count from 1)."""
        return self.learning_rate * self.decay ** max(epoch - 1, 0)
