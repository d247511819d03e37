"""The smallest plugins of each trained kind, in plain numpy, for tests that need no installed engine.

They exercise the core (trainer, options, sessions, reports) as real plugins do: options from
their constructors, layer observers told of every pass, named parameters. Register them with
:func:`toy_registry` (under the default plugin names, so a command needs no ``--model``...) or
one by one with :meth:`nnplug.registry.Registry.add`. They are not installed as entry points.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug.accuracy import Accuracy
from nnplug.arrays import ArrayDataLoader
from nnplug.data_loader import DataLoader
from nnplug.engine import Engine
from nnplug.errors import NnplugError
from nnplug.loss import Loss
from nnplug.model import Model, Parameter
from nnplug.optimizer import Optimizer
from nnplug.registry import KINDS, Registry
from nnplug.task import Classification, Regression

#: the one layer of :class:`SoftmaxRegression`.
LAYER = "L0_Dense"


class SoftmaxRegression(Model):
    """Softmax regression (one dense layer), reporting its layer's passes to observers.

    Args:
        scale: scale of the initial weights.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, scale: float = 0.01) -> None:
        super().__init__()
        if not scale >= 0:
            raise NnplugError(f"--scale must be 0 or more, got {scale}")
        self.scale = scale + 0.0  # -0.0 becomes 0.0 (numpy refuses a negative-signed scale)

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Gaussian weights of standard deviation ``scale``, zero bias."""
        rng = np.random.default_rng(seed)
        inputs = int(np.prod(sample_shape))
        self.w = Parameter(f"{LAYER}_W", rng.normal(0, self.scale, (inputs, nbr_classes)), layer=LAYER)
        self.b = Parameter(f"{LAYER}_b", np.zeros(nbr_classes), decay=False, layer=LAYER)

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        """Class probabilities."""
        self.x = np.asarray(x).reshape(len(x), -1)
        for observer in self.layer_observers:
            observer.before_forward(LAYER)
        z = self.x @ self.w.value + self.b.value
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
        for observer in self.layer_observers:
            observer.after_forward(LAYER, out)
        return out

    def backward(self, loss: Loss, output: Any, target: Any, cost: float) -> None:
        """Gradients through the softmax/cross-entropy shortcut ``output - target``."""
        for observer in self.layer_observers:
            observer.before_backward(LAYER)
        dz = (output - target) / len(output)
        self.w.grad = self.x.T @ dz
        self.b.grad = dz.sum(axis=0)
        for observer in self.layer_observers:
            observer.after_backward(LAYER, dz @ self.w.value.T)

    def parameters(self) -> list[Parameter]:
        """Weights then bias."""
        return [self.w, self.b]

    def layer_names(self) -> list[str]:
        """The one dense layer."""
        return [LAYER]


class GradientDescent(Optimizer):
    """Plain gradient descent (or ascent, to make the cost worsen on purpose).

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
        ascent: climb the cost instead of descending it.
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, learning_rate: float = 0.5, weight_decay: float = 0.0, ascent: bool = False) -> None:
        if learning_rate <= 0:
            raise NnplugError(f"--learning-rate must be positive, got {learning_rate}")
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ascent = ascent

    def build(self, parameters: list[Parameter]) -> None:
        """Keep the parameters."""
        self.params = parameters

    def step(self, epoch: int) -> None:
        """``value -= ±learning_rate * (grad + weight_decay * value)``."""
        sign = -1.0 if self.ascent else 1.0
        for p in self.params:
            grad = p.grad + (self.weight_decay * p.value if p.decay else 0)
            p.value -= sign * self.learning_rate * grad


class CrossEntropy(Loss):
    """Cross-entropy of probabilities (clipped against log 0)."""

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def cost(self, output: Any, target: Any) -> float:
        """Mean over the minibatch."""
        return float(-np.sum(target * np.log(np.clip(output, 1e-12, 1))) / len(output))

    def gradient(self, output: Any, target: Any) -> np.ndarray:
        """dCost/dOutput."""
        return -target / np.clip(output, 1e-12, 1) / len(output)


class Argmax(Accuracy):
    """Argmax accuracy."""

    engine: ClassVar[str] = "any"

    def predictions(self, output: Any) -> np.ndarray:
        """The index of the highest score."""
        return np.asarray(output).argmax(axis=1)


class NumpyArrays(Engine):
    """The toys' engine: numpy arrays, float64 samples; its defaults are the toys' names below."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {
        "classification": {"optimizer": "Adam", "loss": "CrossEntropy", "metric": "ClassesNumpy"},
    }

    def to_numpy(self, value: Any) -> np.ndarray:
        """The array itself."""
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> np.ndarray:
        """``like``'s dtype, else float64 for floats."""
        array = np.asarray(array)
        if like is not None:
            return array.astype(np.asarray(like).dtype, copy=False)
        return array.astype(np.float64, copy=False) if np.issubdtype(array.dtype, np.floating) else array


class ColorBlobs(ArrayDataLoader):
    """Three classes of 2x2 RGB images (12 values, channel-major), each dominated by one channel: the toys' data.

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


def toy_registry(data_loader: type[DataLoader]) -> Registry:
    """A registry holding only ``data_loader``, the toys and their engine ``numpy``, under the default names.

    The data loader must declare ``engine = "any"`` (or ``"numpy"``) and ``tasks = ("classification",)``.
    The toys answer to the names a run uses by default (``OneLayer``; the engine's defaults
    ``Adam``, ``CrossEntropy``, ``ClassesNumpy``), so a command needs no plugin option.
    """
    registry = Registry({kind: {} for kind in KINDS})
    registry.add("engine", "numpy", NumpyArrays)
    registry.add("task", "classification", Classification)
    registry.add("task", "regression", Regression)
    registry.add("data_loader", KINDS["data_loader"].default, data_loader)
    registry.add("model", KINDS["model"].default, SoftmaxRegression)
    defaults = NumpyArrays.defaults["classification"]
    registry.add("optimizer", defaults["optimizer"], GradientDescent)
    registry.add("loss", defaults["loss"], CrossEntropy)
    registry.add("metric" if "metric" in KINDS else "accuracy", defaults["metric"], Argmax)
    from nnplug.executors.processes import Processes
    from nnplug.executors.sequential import Sequential

    registry.add("executor", "sequential", Sequential)  # the built-in executors: trials run as with installed plugins
    registry.add("executor", "processes", Processes)
    return registry
