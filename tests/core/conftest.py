"""Tiny in-test plugins (numpy softmax regression) so core tests need no installed engine."""
from __future__ import annotations

import numpy as np
import pytest

import nnplug
from nnplug.arrays import ArrayDataLoader
from nnplug.registry import Registry


class ToySoftmax(nnplug.Model):
    """Softmax regression for core tests.

    Args:
        scale: scale of the initial weights.
    """

    def __init__(self, scale: float = 0.01) -> None:
        super().__init__()
        self.scale = scale

    def build(self, sample_shape, nbr_classes, seed):
        rng = np.random.default_rng(seed)
        inputs = int(np.prod(sample_shape))
        self.w = nnplug.Parameter("L0_Dense_W", rng.normal(0, self.scale, (inputs, nbr_classes)), layer="L0_Dense")
        self.b = nnplug.Parameter("L0_Dense_b", np.zeros(nbr_classes), decay=False, layer="L0_Dense")

    def forward(self, x, training=False):
        self.x = np.asarray(x).reshape(len(x), -1)
        for obs in self.layer_observers:
            obs.before_forward("L0_Dense")
        z = self.x @ self.w.value + self.b.value
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
        for obs in self.layer_observers:
            obs.after_forward("L0_Dense", out)
        return out

    def backward(self, loss, output, target, cost):
        dz = (output - target) / len(output)
        self.w.grad = self.x.T @ dz
        self.b.grad = dz.sum(axis=0)

    def parameters(self):
        return [self.w, self.b]


class ToySGD(nnplug.Optimizer):
    """Plain gradient descent for core tests.

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
    """

    def __init__(self, learning_rate: float = 0.5, weight_decay: float = 0.0) -> None:
        if learning_rate <= 0:
            raise nnplug.NnplugError(f"--learning-rate must be positive, got {learning_rate}")
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay

    def build(self, parameters):
        self.params = parameters

    def step(self, epoch):
        for p in self.params:
            grad = p.grad + (self.weight_decay * p.value if p.decay else 0)
            p.value -= self.learning_rate * grad


class ToyCrossEntropy(nnplug.Loss):
    """Cross-entropy for core tests."""

    def cost(self, output, target):
        return float(-np.sum(target * np.log(np.clip(output, 1e-12, 1))) / len(output))

    def gradient(self, output, target):
        return -target / np.clip(output, 1e-12, 1) / len(output)


class ToyArgmax(nnplug.Accuracy):
    """Argmax accuracy for core tests."""

    def predictions(self, output):
        return np.asarray(output).argmax(axis=1)


class Blobs(ArrayDataLoader):
    """Three well separated Gaussian blobs in 4 dimensions.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 40, max_minibatch_size: int = 16) -> None:
        rng = np.random.default_rng(123)
        centers = np.eye(3, 4) * 0.8 + 0.1
        x = np.concatenate([rng.normal(c, 0.05, (samples, 4)) for c in centers]).clip(0, 1)
        y = np.repeat(np.arange(3), samples)
        super().__init__(x, y, ["a", "b", "c"], max_minibatch_size=max_minibatch_size)


@pytest.fixture
def toy_registry() -> Registry:
    """A registry holding only the toy plugins, under the default names."""
    registry = Registry({kind: {} for kind in nnplug.registry.KINDS})
    registry.add("data_loader", "NumpyVips", Blobs)
    registry.add("model", "OneLayer", ToySoftmax)
    registry.add("optimizer", "Adam", ToySGD)
    registry.add("loss", "CrossEntropy", ToyCrossEntropy)
    registry.add("accuracy", "ClassesNumpy", ToyArgmax)
    return registry
