"""Tiny in-test plugins for the experiments layer: no installed engine is needed."""
from __future__ import annotations

import numpy as np
import pytest

import nnplug
from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.registry import KINDS, Registry
from nnplug.session import TrainingSession


class TinySoftmax(nnplug.Model):
    """Softmax regression reporting one layer to its observers.

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
        for observer in self.layer_observers:
            observer.before_forward("L0_Dense")
        z = self.x @ self.w.value + self.b.value
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
        for observer in self.layer_observers:
            observer.after_forward("L0_Dense", out)
        return out

    def backward(self, loss, output, target, cost):
        for observer in self.layer_observers:
            observer.before_backward("L0_Dense")
        dz = (output - target) / len(output)
        self.w.grad = self.x.T @ dz
        self.b.grad = dz.sum(axis=0)
        for observer in self.layer_observers:
            observer.after_backward("L0_Dense", dz @ self.w.value.T)

    def parameters(self):
        return [self.w, self.b]

    def layer_names(self):
        return ["L0_Dense"]


class TinySGD(nnplug.Optimizer):
    """Gradient descent (or ascent, to make the dev cost worsen on purpose).

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
        ascent: climb the cost instead of descending it.
    """

    def __init__(self, learning_rate: float = 0.5, weight_decay: float = 0.0, ascent: bool = False) -> None:
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ascent = ascent

    def build(self, parameters):
        self.params = parameters

    def step(self, epoch):
        sign = -1.0 if self.ascent else 1.0
        for p in self.params:
            p.value -= sign * self.learning_rate * p.grad


class TinyCrossEntropy(nnplug.Loss):
    """Cross-entropy."""

    def cost(self, output, target):
        return float(-np.sum(target * np.log(np.clip(output, 1e-12, 1))) / len(output))


class TinyArgmax(nnplug.Accuracy):
    """Argmax accuracy."""

    def predictions(self, output):
        return np.asarray(output).argmax(axis=1)


class ColorBlobs(ArrayDataLoader):
    """Three classes of 2x2 RGB images (12 values, channel-major), each dominated by one channel.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 20, max_minibatch_size: int = 16) -> None:
        rng = np.random.default_rng(5)
        x, y = [], []
        for label in range(3):
            image = rng.uniform(0, 0.3, (samples, 3, 2, 2))
            image[:, label] += 0.6
            x.append(image.reshape(samples, -1))
            y += [label] * samples
        super().__init__(np.concatenate(x), np.array(y), ["red", "green", "blue"], max_minibatch_size=max_minibatch_size)
        self.image_shape = (3, 2, 2)


@pytest.fixture
def registry() -> Registry:
    """A registry holding only the tiny plugins, under the default names."""
    registry = Registry({kind: {} for kind in KINDS})
    registry.add("data_loader", "NumpyVips", ColorBlobs)
    registry.add("model", "OneLayer", TinySoftmax)
    registry.add("optimizer", "Adam", TinySGD)
    registry.add("loss", "CrossEntropy", TinyCrossEntropy)
    registry.add("accuracy", "ClassesNumpy", TinyArgmax)
    return registry


@pytest.fixture
def train(registry, tmp_path):
    """``train(args, observers=(), plots=False)`` runs a session writing under ``tmp_path/runs``; returns the session."""

    def run(args, observers=(), plots=False):
        command = parse_command([f"--runs-dir={tmp_path / 'runs'}", *args], registry)
        session = TrainingSession(registry, command, argv=list(args), show_progress=False, draw_plots=plots)
        if observers:
            base = session.observers
            session.observers = lambda: base() + list(observers)
        session.run()
        return session

    return run
