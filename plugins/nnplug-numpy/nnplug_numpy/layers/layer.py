"""The base of every numpy layer: a named step with a hand-written forward and backward."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.model import Parameter


class Layer:
    """One step of a numpy model; ``forward`` and the two halves of ``backward`` sit side by side
    in each subclass: ``backward_parameters`` (dCost/dW...) and ``backward_input`` (dCost/dInput).

    Life cycle: the model creates the layer, then :meth:`build` links it to its input size
    (that is where parameters are created and named), then calls ``forward`` (which caches what
    ``backward`` needs) and ``backward`` once per training minibatch.

    Rules every layer follows, relied on by :meth:`NumpyModel.frozen` and the gradient checker:
    ``forward`` stores *new* arrays in its cache (it never mutates a cached array in place), and
    when ``frozen`` is set a training-mode forward is repeatable (no new random draws, no update
    of running statistics).

    Attributes:
        name: ``L{position}_{LayerType}`` (``L0_Dense``), given at build; observers see it.
        parameters: the trainable tensors, named ``{name}_{W|b|gamma|beta}``.
        frozen: set by the model while the gradient checker replays training forwards.
    """

    def __init__(self) -> None:
        self.name = type(self).__name__
        self.parameters: list[Parameter] = []
        self.frozen = False
        self.dtype: np.dtype = np.dtype(np.float64)

    def build(self, name: str, input_size: int, dtype: np.dtype, rng: np.random.Generator) -> int:
        """Link the layer to inputs of ``input_size`` features; return its output size.

        Layers with parameters create them here, drawing initial values from ``rng``.
        """
        self.name = name
        self.dtype = np.dtype(dtype)
        return input_size

    def parameter(self, suffix: str, value: np.ndarray, decay: bool) -> Parameter:
        """Create, register and return the parameter ``{name}_{suffix}`` (its grad preallocated)."""
        param = Parameter(f"{self.name}_{suffix}", value, np.zeros_like(value), decay=decay, layer=self.name)
        self.parameters.append(param)
        return param

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """Return the layer's output for input ``x`` (one row per sample)."""
        raise NotImplementedError

    def backward(self, gradient: np.ndarray, input_gradient: bool = True) -> np.ndarray | None:
        """Fill the parameters' ``grad`` from dCost/dOutput; return dCost/dInput.

        The two steps are :meth:`backward_parameters` then :meth:`backward_input` (the model runs
        them one by one when profiling times them apart). ``input_gradient=False`` (the first
        layer) skips computing dCost/dInput and returns None.
        """
        self.backward_parameters(gradient)
        return self.backward_input(gradient) if input_gradient else None

    def backward_parameters(self, gradient: np.ndarray) -> None:
        """Fill the parameters' ``grad`` in place (``out=``: they are views of the model's gradient
        buffer) from dCost/dOutput (layers without parameters: nothing)."""

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """Return dCost/dInput from dCost/dOutput; runs after :meth:`backward_parameters`, whose
        results it may reuse."""
        raise NotImplementedError

    def output_after_change(
        self, parameter: Parameter, index: tuple[int, ...], delta: float, x: np.ndarray, output: np.ndarray
    ) -> np.ndarray | None:
        """The output after ``parameter.value[index]`` moved by ``delta``, from the previous ``output``.

        Used by the gradient checker to avoid a full recomputation; None (the default) means
        "no shortcut, run :meth:`forward` again".
        """
        return None

    def state(self) -> dict[str, np.ndarray]:
        """Non-trainable tensors to checkpoint (running statistics), by full name."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state` returned."""
