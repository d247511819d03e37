"""What the numpy models share: a stack of layers run forward and backward, with observer hooks."""
from __future__ import annotations

import contextlib
from typing import Any, ClassVar, Iterator

import numpy as np

from nnplug.errors import NnplugError
from nnplug.loss import Loss
from nnplug.model import Model, Parameter
from nnplug_numpy.layers.layer import Layer

DTYPES = ("float64", "float32")


class NumpyModel(Model):
    """A model made of a stack of numpy layers (subclasses say which in :meth:`create_layers`).

    Inputs arrive as numpy arrays of any float dtype (the numpy engine converts minibatches):
    they are cast to the model's dtype and flattened to one row per sample. Layers are named
    ``L{position}_{LayerType}`` and parameters ``L{position}_{LayerType}_{W|b|gamma|beta}``.

    The randomness of a model comes from ``seed`` given to :meth:`build`: one generator for the
    initial values, an independent one for the dropout masks.
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, dtype: str = "float64") -> None:
        super().__init__()
        if dtype not in DTYPES:
            raise NnplugError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.layers: list[Layer] = []
        self._parameters: list[Parameter] = []
        self._gradients = np.zeros(0, dtype=self.dtype)
        self._gradient_views: list[np.ndarray] = []
        self._owner: dict[int, int] = {}
        #: inputs of every layer in the last (non-frozen) training forward, then its output.
        self._activations: list[np.ndarray] = []
        self._frozen = False

    # ----- building
    def create_layers(self, nbr_classes: int, dropout_rng: np.random.Generator) -> list[Layer]:
        """Return the layers, in forward order, for ``nbr_classes`` outputs (not built yet)."""
        raise NotImplementedError

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Create the layers and link each one to the size of its input, seeded by ``seed``."""
        init_seed, dropout_seed = np.random.SeedSequence(int(seed)).spawn(2)
        init_rng = np.random.default_rng(init_seed)
        self.layers = self.create_layers(nbr_classes, np.random.default_rng(dropout_seed))
        size = int(np.prod(sample_shape))
        for position, layer in enumerate(self.layers):
            size = layer.build(f"L{position}_{type(layer).__name__}", size, self.dtype, init_rng)
        self._parameters = [param for layer in self.layers for param in layer.parameters]
        self._values = _share_one_buffer(self._parameters, "value", self.dtype)
        self._gradients = _share_one_buffer(self._parameters, "grad", self.dtype)
        self._gradient_views = [param.grad for param in self._parameters]
        self._owner = {id(param): position for position, layer in enumerate(self.layers) for param in layer.parameters}
        self._activations = []

    def parameters(self) -> list[Parameter]:
        """Every layer's parameters, in layer order."""
        return list(self._parameters)

    def gradient_arrays(self) -> list[np.ndarray]:
        """The one buffer every parameter's ``grad`` is a view of (one finite test covers them all).

        A layer that rebinds a ``grad`` instead of writing into it leaves the buffer behind: then
        every ``grad`` is returned.
        """
        if all(param.grad is view for param, view in zip(self._parameters, self._gradient_views)):
            return [self._gradients]
        return [param.grad for param in self._parameters]

    def layer_names(self) -> list[str]:
        """``L0_Dense``, ``L1_Dropout``...: the names observers receive."""
        return [layer.name for layer in self.layers]

    def parameter_names(self) -> list[str]:
        """The parameter names :meth:`build` creates: they depend on the options only (layers built on one input feature)."""
        rng = np.random.default_rng(0)
        names = []
        size = 1
        for position, layer in enumerate(self.create_layers(2, rng)):
            size = layer.build(f"L{position}_{type(layer).__name__}", size, self.dtype, rng)
            names += [param.name for param in layer.parameters]
        return names

    # ----- forward and backward
    def inputs(self, x: Any) -> np.ndarray:
        """``x`` as a numpy array of the model's dtype, one flat row per sample."""
        x = np.asarray(x)
        if x.ndim != 2:
            x = x.reshape(len(x), -1)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        return x

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        """Run every layer; in training, remember each layer's input for the gradient checker."""
        x = self.inputs(x)
        observers = self.layer_observers
        record = training and not self._frozen
        if record:
            self._activations = [x]
        for layer in self.layers:
            if observers:
                for observer in observers:
                    observer.before_forward(layer.name)
            x = layer.forward(x, training)
            if observers:
                for observer in observers:
                    observer.after_forward(layer.name, x)
            if record:
                self._activations.append(x)
        return x

    def backward(self, loss: Loss, output: Any, target: Any, cost: Any) -> None:
        """Back-propagate ``loss.gradient(output, target)`` through every layer."""
        gradient = np.asarray(loss.gradient(output, np.asarray(target)), dtype=self.dtype)
        self.backward_from(len(self.layers) - 1, gradient)

    def backward_from(self, position: int, gradient: np.ndarray) -> None:
        """Back-propagate dCost/dOutput of layer ``position`` down to the first layer.

        Observers defining ``before_parameter_gradients`` (profiling) see each layer's parameter
        gradients as a step of its own inside the layer's backward pass.
        """
        observers = self.layer_observers
        timers = [o for o in observers if hasattr(o, "before_parameter_gradients")]
        for index in range(position, -1, -1):
            layer = self.layers[index]
            if observers:
                for observer in observers:
                    observer.before_backward(layer.name)
            if timers:
                gradient = self._backward_in_steps(layer, gradient, index > 0, timers)
            else:
                gradient = layer.backward(gradient, input_gradient=index > 0)
            if observers:
                for observer in observers:
                    observer.after_backward(layer.name, gradient)

    @staticmethod
    def _backward_in_steps(layer: Layer, gradient: np.ndarray, input_gradient: bool, timers: list[Any]) -> np.ndarray | None:
        """``layer.backward``, with ``timers`` told when its parameter gradients start and end.

        The same computations in the same order as ``layer.backward``: results are bit-identical.
        Layers without parameters have no such step; a layer overriding ``backward`` as a whole
        is run as a whole.
        """
        if not layer.parameters or type(layer).backward is not Layer.backward:
            return layer.backward(gradient, input_gradient=input_gradient)
        for timer in timers:
            timer.before_parameter_gradients(layer.name)
        layer.backward_parameters(gradient)
        for timer in timers:
            timer.after_parameter_gradients(layer.name)
        return layer.backward_input(gradient) if input_gradient else None

    # ----- gradient checking support
    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Dropout replays its masks, batch norm keeps its running statistics, caches are restored."""
        saved = [dict(vars(layer)) for layer in self.layers]
        for layer in self.layers:
            layer.frozen = True
        self._frozen = True
        try:
            yield
        finally:
            self._frozen = False
            for layer, attributes in zip(self.layers, saved):
                vars(layer).update(attributes)

    def forward_after_change(self, parameter: Parameter, index: tuple[int, ...], previous: float) -> np.ndarray:
        """Training output of the last training minibatch after ``parameter.value[index]`` left ``previous``.

        Only the layers from the parameter's owner onwards run again, from the inputs recorded by
        the last training forward (a dense layer even updates just one output column). Call it
        inside :meth:`frozen`; observers are not notified.
        """
        if not self._frozen:
            raise RuntimeError("forward_after_change is meant for frozen() blocks")
        position = self._owner[id(parameter)]
        layer = self.layers[position]
        x = self._activations[position]
        delta = float(parameter.value[index]) - previous
        output = layer.output_after_change(parameter, index, delta, x, self._activations[position + 1])
        if output is None:
            output = layer.forward(x, True)
        for later in self.layers[position + 1 :]:
            output = later.forward(output, True)
        return output

    # ----- checkpoints
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and running statistics, by name."""
        state = {param.name: np.array(param.value) for param in self._parameters}
        for layer in self.layers:
            state.update({name: np.array(value) for name, value in layer.state().items()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore parameters and running statistics saved by :meth:`state_dict`."""
        super().load_state_dict(state)
        for layer in self.layers:
            missing = sorted(set(layer.state()) - set(state))
            if missing:
                raise NnplugError(f"checkpoint lacks tensors {', '.join(missing)}")
            layer.load_state(state)


def _share_one_buffer(parameters: list[Parameter], attribute: str, dtype: np.dtype) -> np.ndarray:
    """Make every parameter's ``value`` (or ``grad``) a view of one flat buffer, in order; return the buffer.

    Layers write in place (``out=``, ``-=``), so everything lands in the buffer: a finite test of
    all gradients is one reduction, and optimizers update every tensor in one go
    (:func:`nnplug_numpy.optimizers.numpy_optimizer.one_buffer` finds the buffer back).
    """
    arrays = [getattr(param, attribute) for param in parameters]
    buffer = np.zeros(sum(array.size for array in arrays), dtype=dtype)
    offset = 0
    for param, array in zip(parameters, arrays):
        view = buffer[offset : offset + array.size].reshape(array.shape)
        view[...] = array
        setattr(param, attribute, view)
        offset += array.size
    return buffer
