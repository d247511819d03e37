"""ExponentialDecay: gradient descent whose learning rate shrinks every epoch."""
from __future__ import annotations

import numpy as np

from nnplug.errors import NnplugError
from nnplug.optimizer import check_state_names
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
        #: epochs trained before this run (a model continued with ``--load-model``): the schedule goes on.
        self.epochs_before = 0
        self.last_epoch = 0

    def current_learning_rate(self, epoch: int) -> float:
        """``learning_rate * decay^(epoch − 1)`` (epochs count from 1, and go on from a loaded state)."""
        return self.learning_rate * self.decay ** max(epoch + self.epochs_before - 1, 0)

    def step(self, epoch: int) -> None:
        """Update every parameter with the learning rate of ``epoch``; remember the epoch."""
        self.last_epoch = epoch + self.epochs_before
        super().step(epoch)

    def state(self) -> dict[str, np.ndarray]:
        """The last epoch trained (``epoch``), so that a continued run keeps decaying from there."""
        return {"epoch": np.array(self.last_epoch)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue the schedule after the saved epoch."""
        check_state_names(self.plugin_name or type(self).__name__, state, {"epoch"})
        self.epochs_before = self.last_epoch = int(state["epoch"])
