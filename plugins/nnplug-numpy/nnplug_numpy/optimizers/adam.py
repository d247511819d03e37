"""Adam: adaptive moment estimation."""
from __future__ import annotations

import math

import numpy as np

from nnplug.errors import NnplugError
from nnplug.model import Parameter
from nnplug.optimizer import check_state_names, parameter_arrays, restore_parameter_arrays
from nnplug_numpy.optimizers.numpy_optimizer import NumpyOptimizer


class Adam(NumpyOptimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected moments (numpy), updated as PyTorch does.

    ``m ← β1·m + (1 − β1)·g``, ``v ← β2·v + (1 − β2)·g²``,
    ``value −= lr / (1 − β1ᵗ) · m / (sqrt(v / (1 − β2ᵗ)) + epsilon)``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        """
        Args:
            learning_rate: step size.
            beta1: decay rate of the gradient's running mean, in [0, 1).
            beta2: decay rate of the squared gradient's running mean, in [0, 1).
            epsilon: added to the denominator against division by zero (positive).
            weight_decay: L2 regularization strength (adds weight_decay / 2 · ΣW² to the cost).
        """
        super().__init__(learning_rate, weight_decay)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise NnplugError(f"--{name} must be in [0, 1), got {beta}")
        if not epsilon > 0:
            raise NnplugError(f"--epsilon must be positive, got {epsilon}")
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self.steps = 0
        self.first: list[np.ndarray] = []
        self.second: list[np.ndarray] = []

    def build(self, parameters: list[Parameter]) -> None:
        """Zero moments for every parameter (views of flat buffers, updated whole when the parameters are)."""
        super().build(parameters)
        self.steps = 0
        self.first_buffer, self.first = self.buffers()
        self.second_buffer, self.second = self.buffers()
        self.update_buffer, self.update_views = self.buffers()

    def begin_step(self) -> None:
        """Count the step (bias corrections depend on it)."""
        self.steps += 1
        self.first_correction = 1.0 - self.beta1**self.steps
        # a Python float: a numpy float64 scalar would make every float32 operation on it run in float64 (5x slower)
        self.second_root_correction = math.sqrt(1.0 - self.beta2**self.steps)

    def update(self, position: int | None, value: np.ndarray, gradient: np.ndarray, learning_rate: float) -> None:
        """One Adam update of ``value`` (one tensor, or all of them), in place (no temporary arrays)."""
        if position is None:
            m, v, buffer = self.first_buffer, self.second_buffer, self.update_buffer
        else:
            m, v, buffer = self.first[position], self.second[position], self.update_views[position]
        m *= self.beta1
        np.multiply(gradient, 1.0 - self.beta1, out=buffer)
        m += buffer
        v *= self.beta2
        np.multiply(gradient, gradient, out=buffer)
        buffer *= 1.0 - self.beta2
        v += buffer
        np.sqrt(v, out=buffer)
        buffer /= self.second_root_correction
        buffer += self.epsilon
        np.divide(m, buffer, out=buffer)
        buffer *= learning_rate / self.first_correction
        value -= buffer

    def state(self) -> dict[str, np.ndarray]:
        """Step count and both moments of every parameter (``steps``, ``first/<name>``, ``second/<name>``)."""
        return {"steps": np.array(self.steps), **parameter_arrays("first", self.parameters, self.first), **parameter_arrays("second", self.parameters, self.second)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Continue from a saved step count and moments (after :meth:`build`)."""
        owner = self.plugin_name or type(self).__name__
        names = {"steps"} | {f"{moment}/{param.name}" for moment in ("first", "second") for param in self.parameters}
        check_state_names(owner, state, names)
        restore_parameter_arrays(owner, state, "first", self.parameters, self.first)
        restore_parameter_arrays(owner, state, "second", self.parameters, self.second)
        self.steps = int(state["steps"])
