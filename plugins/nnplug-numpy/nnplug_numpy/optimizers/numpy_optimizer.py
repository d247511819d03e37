"""What the numpy optimizers share: option checks, weight decay, the update of every tensor (at once when it can)."""
from __future__ import annotations

import time
from typing import ClassVar

import numpy as np

from nnplug.errors import NnplugError
from nnplug.model import Parameter
from nnplug.optimizer import Optimizer


class NumpyOptimizer(Optimizer):
    """Updates numpy parameters in place from their gradients, through :meth:`update`.

    When the model keeps every parameter's value and gradient in one flat buffer each (the numpy
    models do), a step is a single :meth:`update` over those buffers: the same arithmetic, element
    by element, as one update per tensor, without the per-call overhead that dominates small
    tensors (batch-norm scales, biases). Profiling, which times each tensor's update, gets one
    update per tensor.

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
        self.values: np.ndarray | None = None
        self.gradients: np.ndarray | None = None

    def build(self, parameters: list[Parameter]) -> None:
        """Attach to ``parameters``, find their flat buffers if they have them, allocate scratch space."""
        self.parameters = list(parameters)
        self.scratch_buffer, self.scratch = self.buffers()
        self.values = one_buffer([param.value for param in self.parameters])
        self.gradients = one_buffer([param.grad for param in self.parameters])
        self.views = [(param.value, param.grad) for param in self.parameters]

    def buffers(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """A zeroed flat buffer as large as all the parameters, and its views shaped like each of them.

        Per-parameter state (moments) lives in such buffers, so that it too is updated in one go.
        """
        dtype = np.result_type(*[param.value.dtype for param in self.parameters]) if self.parameters else np.float64
        buffer = np.zeros(sum(param.value.size for param in self.parameters), dtype=dtype)
        views, offset = [], 0
        for param in self.parameters:
            views.append(buffer[offset : offset + param.value.size].reshape(param.value.shape))
            offset += param.value.size
        return buffer, views

    def gradient(self, position: int | None) -> np.ndarray:
        """The gradient to follow for parameter ``position`` (None: all of them, flat): data term plus weight decay."""
        if position is None:
            if not (self.weight_decay and any(param.decay for param in self.parameters)):
                return self.gradients
            np.copyto(self.scratch_buffer, self.gradients)
            for param, scratch in zip(self.parameters, self.scratch):
                if param.decay:
                    scratch += self.weight_decay * param.value
            return self.scratch_buffer
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
        if not observers and self.values is not None and self.gradients is not None and self._views_kept():
            self.update(None, self.values, self.gradient(None), learning_rate)
            return
        for position, param in enumerate(self.parameters):
            if observers:  # profiling: time each tensor's update
                start = time.perf_counter()
                self.update(position, param.value, self.gradient(position), learning_rate)
                elapsed = time.perf_counter() - start
                for observer in observers:
                    observer(param, elapsed)
            else:
                self.update(position, param.value, self.gradient(position), learning_rate)

    def _views_kept(self) -> bool:
        """Whether every parameter still holds the views found at build (code that rebinds a ``grad``
        instead of writing into it leaves the buffer behind: then tensor by tensor)."""
        return all(param.value is value and param.grad is grad for param, (value, grad) in zip(self.parameters, self.views))

    def begin_step(self) -> None:
        """Called once per step before the updates (step counters)."""

    def update(self, position: int | None, value: np.ndarray, gradient: np.ndarray, learning_rate: float) -> None:
        """Update ``value`` in place: plain gradient descent, ``value −= learning_rate * gradient``.

        Args:
            position: the parameter's index, or None when ``value`` and ``gradient`` are the flat
                buffers of all parameters (state buffers are then taken whole too).
            value: the parameter's value (or all of them).
            gradient: the gradient to follow, weight decay included.
            learning_rate: this step's learning rate.
        """
        value -= learning_rate * gradient


def one_buffer(arrays: list[np.ndarray]) -> np.ndarray | None:
    """The flat buffer ``arrays`` are consecutive views of, in order and covering it all, else None.

    Numpy models lay out their parameters' values and gradients so
    (:class:`nnplug_numpy.models.numpy_model.NumpyModel`); other layouts are updated tensor by tensor.
    """
    if not arrays:
        return None
    base = arrays[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    address = base.__array_interface__["data"][0]
    for array in arrays:
        if array.base is not base or not array.flags.c_contiguous or array.__array_interface__["data"][0] != address:
            return None
        address += array.nbytes
    return base if address == base.__array_interface__["data"][0] + base.nbytes else None
