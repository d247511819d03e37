"""A multilayer perceptron with tanh hidden layers and residual connections, in numpy."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug import Loss, Model, NnplugError, Parameter
from nnplug_example.layers import Dense, Softmax, Tanh


class TanhMLP(Model):
    """A multilayer perceptron with tanh hidden layers, optionally residual, ending in softmax.

    Hidden block i computes ``h = tanh(h_prev @ W + b)``, plus ``h_prev`` itself when
    ``residual`` is set and both have the same width. The output layer is dense + softmax, so
    outputs are class probabilities (what CrossEntropy and OneHotMSE expect). Backward is
    written by hand, starting from the loss's ``gradient``. Samples are flattened.

    Args:
        hidden_units: width of each hidden layer (empty: a plain softmax regression).
        residual: add each hidden block's input to its output when the widths match.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, hidden_units: list[int] = [32, 32], residual: bool = True) -> None:
        super().__init__()
        if any(units <= 0 for units in hidden_units):
            raise NnplugError(f"--hidden-units must be positive integers, got {hidden_units}")
        self.hidden_units = list(hidden_units)
        self.residual = residual
        self.hidden: list[tuple[Dense, Tanh]] = []
        self.output_layer: Dense | None = None
        self.softmax = Softmax("Softmax")

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Create the layers for flattened samples of ``sample_shape``, seeded with ``seed``."""
        rng = np.random.default_rng(seed)
        width = int(np.prod(sample_shape))
        self.hidden = []
        for index, units in enumerate(self.hidden_units):
            self.hidden.append((Dense(f"L{index}_Dense", width, units, rng), Tanh(f"L{index}_Tanh")))
            width = units
        last = len(self.hidden_units)
        self.output_layer = Dense(f"L{last}_Dense", width, nbr_classes, rng)
        self.softmax = Softmax(f"L{last}_Softmax")

    def _run(self, layer: Any, x: np.ndarray) -> np.ndarray:
        for observer in self.layer_observers:
            observer.before_forward(layer.name)
        y = layer.forward(x)
        for observer in self.layer_observers:
            observer.after_forward(layer.name, y)
        return y

    def _back(self, layer: Any, grad: np.ndarray) -> np.ndarray:
        for observer in self.layer_observers:
            observer.before_backward(layer.name)
        grad = layer.backward(grad)
        for observer in self.layer_observers:
            observer.after_backward(layer.name, grad)
        return grad

    def _skips(self, dense: Dense) -> bool:
        return self.residual and dense.weights.value.shape[0] == dense.weights.value.shape[1]

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        """Class probabilities for the samples ``x`` (no dropout: training changes nothing)."""
        assert self.output_layer is not None, "build() first"
        h = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        for dense, tanh in self.hidden:
            out = self._run(tanh, self._run(dense, h))
            h = out + h if self._skips(dense) else out
        return self._run(self.softmax, self._run(self.output_layer, h))

    def backward(self, loss: Loss, output: Any, target: Any, cost: Any) -> None:
        """Fill every parameter's grad, from the loss's gradient back to the first layer."""
        assert self.output_layer is not None, "build() first"
        grad = self._back(self.output_layer, self._back(self.softmax, loss.gradient(output, target)))
        for dense, tanh in reversed(self.hidden):
            through = self._back(dense, self._back(tanh, grad))
            grad = through + grad if self._skips(dense) else through

    def parameters(self) -> list[Parameter]:
        """Weights and biases, first layer first."""
        layers = [dense for dense, _ in self.hidden] + ([self.output_layer] if self.output_layer else [])
        return [p for dense in layers for p in (dense.weights, dense.bias)]

    def layer_names(self) -> list[str]:
        """Layer names in forward order."""
        names = [name for dense, tanh in self.hidden for name in (dense.name, tanh.name)]
        return names + ([self.output_layer.name, self.softmax.name] if self.output_layer else [])
