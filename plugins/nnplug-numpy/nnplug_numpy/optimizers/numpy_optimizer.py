"""What the numpy optimizers share: option checks, weight decay, the loop over parameters."""
from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from nnplug.errors import NnplugError
from nnplug.model import Parameter
from nnplug.optimizer import Optimizer


class NumpyOptimizer(Optimizer):
    """Updates numpy parameters in place from their gradients, one :meth:`update` per tensor.

    Weight decay (L2): ``weight_decay * value`` is added to the gradient of every parameter whose
    ``decay`` flag is set, in a scratch buffer: ``Parameter.grad`` keeps the data term only.
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.0) -> None:
        if not learning_rate > 0:
            raise NnplugError(f"--learning-rate must be positive, got {learning_rate}")
        if not weight_decay >= 0:
            raise NnplugError(f"--weight-decay must be 0 or more, got {weight_decay}")
        self.learning_rate = float(learning_rate)
        self.weight_decay = float(weight_decay)
        self.parameters: list[Parameter] = []
        self.scratch: list[np.ndarray] = []

    def build(self, parameters: list[Parameter]) -> None:
        """Attach to ``parameters`` and allocate per-tensor buffers."""
        self.parameters = list(parameters)
        self.scratch = [np.empty_like(param.value) for param in self.parameters]

    def gradient(self, position: int) -> np.ndarray:
        """The gradient to follow for parameter ``position``: data term plus weight decay."""
        param = self.parameters[position]
        if not (self.weight_decay and param.decay):
            return param.grad
        total = np.multiply(param.value, self.weight_decay, out=self.scratch[position])
        total += param.grad
        return total

    def step(self, epoch: int) -> None:
        """Update every parameter with the learning rate of ``epoch``."""
        learning_rate = self.current_learning_rate(epoch)
        self.begin_step()
        observers = self.update_observers
        for position, param in enumerate(self.parameters):
            if observers:  # profiling: time each tensor's update
                start = time.perf_counter()
                self.update(position, param, self.gradient(position), learning_rate)
                elapsed = time.perf_counter() - start
                for observer in observers:
                    observer(param, elapsed)
            else:
                self.update(position, param, self.gradient(position), learning_rate)

    def begin_step(self) -> None:
        """Called once per step before the updates (step counters)."""

    def update(self, position: int, param: Parameter, gradient: np.ndarray, learning_rate: float) -> None:
        """Plain gradient descent: ``value −= learning_rate * gradient``."""
        param.value -= learning_rate * gradient
