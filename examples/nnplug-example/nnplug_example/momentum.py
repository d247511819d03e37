"""Gradient descent with (heavy-ball) momentum, in numpy."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import NnplugError, Optimizer, Parameter, check_state_names, parameter_arrays, restore_parameter_arrays


class Momentum(Optimizer):
    """Gradient descent with momentum: a velocity that accumulates past gradients.

    Each step: ``velocity = momentum * velocity - learning_rate * (grad + weight_decay * value)``,
    then ``value += velocity``. Weight decay (L2) applies to parameters whose ``decay`` is set.

    Args:
        learning_rate: step size.
        momentum: share of the previous velocity kept at each step (0 gives plain gradient descent).
        weight_decay: L2 regularization strength (its penalty is added to the reported cost).
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0) -> None:
        if learning_rate <= 0:
            raise NnplugError(f"--learning-rate must be positive, got {learning_rate}")
        if not 0 <= momentum < 1:
            raise NnplugError(f"--momentum must be in [0, 1), got {momentum}")
        if weight_decay < 0:
            raise NnplugError(f"--weight-decay must be 0 or more, got {weight_decay}")
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.parameters: list[Parameter] = []
        self.velocities: list[np.ndarray] = []

    def build(self, parameters: list[Parameter]) -> None:
        """Attach to the parameters, with zero velocities."""
        self.parameters = list(parameters)
        self.velocities = [np.zeros_like(p.value) for p in self.parameters]

    def step(self, epoch: int) -> None:
        """Update every parameter in place from its gradient."""
        for param, velocity in zip(self.parameters, self.velocities):
            grad = param.grad + self.weight_decay * param.value if param.decay else param.grad
            velocity *= self.momentum
            velocity -= self.current_learning_rate(epoch) * grad
            param.value += velocity

    def state(self) -> dict[str, np.ndarray]:
        """The velocities, by parameter name (checkpoints keep them to continue training)."""
        return parameter_arrays("velocity", self.parameters, self.velocities)

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue from saved velocities (after :meth:`build`)."""
        owner = self.plugin_name or type(self).__name__
        check_state_names(owner, state, {f"velocity/{p.name}" for p in self.parameters})
        restore_parameter_arrays(owner, state, "velocity", self.parameters, self.velocities)
