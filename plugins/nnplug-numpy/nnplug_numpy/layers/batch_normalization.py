"""Batch normalization: batch statistics while training, running statistics at evaluation."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug_numpy.layers.layer import Layer


class BatchNormalization(Layer):
    """Normalizes each feature over the minibatch, then scales by ``gamma`` and shifts by ``beta``.

    Training: ``x̂ = (x − mean) / sqrt(var + epsilon)`` with the minibatch's mean and (biased)
    variance, and the running statistics move towards them:
    ``running = momentum * running + (1 − momentum) * batch`` (the running variance uses the
    unbiased batch variance, as PyTorch does; PyTorch's ``momentum=0.1`` is ``momentum=0.9`` here).
    Evaluation normalizes with the running statistics. Frozen training forwards (gradient checks)
    leave the running statistics alone.

    Args:
        momentum: share of the running statistics kept at each training minibatch.
        epsilon: added to the variance before the square root.
    """

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5) -> None:
        super().__init__()
        self.momentum = momentum
        self.epsilon = epsilon
        self.x_hat: np.ndarray | None = None
        self.inverse_std: np.ndarray | None = None

    def build(self, name: str, input_size: int, dtype: np.dtype, rng: np.random.Generator) -> int:
        """Create ``gamma`` (ones) and ``beta`` (zeros), and the running statistics (0 and 1)."""
        super().build(name, input_size, dtype, rng)
        self.gamma = self.parameter("gamma", np.ones(input_size, dtype=dtype), decay=False)
        self.beta = self.parameter("beta", np.zeros(input_size, dtype=dtype), decay=False)
        self.running_mean = np.zeros(input_size, dtype=dtype)
        self.running_var = np.ones(input_size, dtype=dtype)
        return input_size

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``gamma * x̂ + beta``."""
        if training:
            mean = np.add.reduce(x, axis=0) / len(x)  # x.mean(axis=0), without its Python-level checks
            centered = x - mean
            var = np.einsum("ij,ij->j", centered, centered) / len(x)
            inverse_std = 1.0 / np.sqrt(var + self.epsilon)
            x_hat = centered
            x_hat *= inverse_std
            self.x_hat, self.inverse_std = x_hat, inverse_std
            if not self.frozen:
                unbiased = var * (len(x) / max(len(x) - 1, 1))
                self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mean
                self.running_var = self.momentum * self.running_var + (1 - self.momentum) * unbiased
        else:
            x_hat = (x - self.running_mean) / np.sqrt(self.running_var + self.epsilon)
        output = x_hat * self.gamma.value
        output += self.beta.value
        return output

    def backward_parameters(self, gradient: np.ndarray) -> None:
        """dgamma = Σ g·x̂, dbeta = Σ g."""
        np.einsum("ij,ij->j", gradient, self.x_hat, out=self.gamma.grad)
        np.sum(gradient, axis=0, out=self.beta.grad)

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """dx = (inverse_std / N)·(N·dx̂ − Σ dx̂ − x̂·Σ dx̂·x̂), dx̂ = g·gamma."""
        # with dx̂ = g·gamma: Σ dx̂ = gamma·dbeta and Σ dx̂·x̂ = gamma·dgamma, already in the grads
        scale = self.gamma.value * self.inverse_std
        n = len(gradient)
        dx = gradient - (self.beta.grad / n)
        dx -= self.x_hat * (self.gamma.grad / n)
        dx *= scale
        return dx

    def state(self) -> dict[str, np.ndarray]:
        """The running mean and variance."""
        return {f"{self.name}_running_mean": self.running_mean, f"{self.name}_running_var": self.running_var}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the running mean and variance."""
        self.running_mean = np.asarray(state[f"{self.name}_running_mean"], dtype=self.dtype).copy()
        self.running_var = np.asarray(state[f"{self.name}_running_var"], dtype=self.dtype).copy()
