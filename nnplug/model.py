"""The model plugin kind (entry-point group ``nnplug.models``)."""
from __future__ import annotations

import contextlib
from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Protocol

import numpy as np

from nnplug.engine import installed_engine
from nnplug.plugin import Plugin

if TYPE_CHECKING:
    from nnplug.loss import Loss


@dataclass
class Parameter:
    """A named trainable tensor and its gradient.

    ``value`` and ``grad`` are engine arrays (numpy arrays, or torch tensors) updated in place:
    optimizers write ``value``, models write ``grad`` in :meth:`Model.backward`.

    Attributes:
        name: unique and stable, layer position first (``L0_Dense_W``): tracked and saved by it.
        value: the tensor itself.
        grad: dCost/dValue from the last backward pass (data term only, without weight decay).
        decay: whether weight decay (L2) applies to it (weights yes; biases and norms no).
        layer: the name of the layer that owns it (for per-layer reports).
    """

    name: str
    value: Any
    grad: Any = None
    decay: bool = True
    layer: str = ""


class LayerObserver(Protocol):
    """Watches every layer's passes: instability checks, profiling and debug logs use it.

    Two optional hooks, called only on observers that define them (profiling does), by engines
    that compute a layer's parameter gradients as a step of their own (numpy), inside that
    layer's backward pass (between ``before_backward`` and ``after_backward``):

    - ``before_parameter_gradients(layer: str)``: ``layer`` starts filling its parameters' ``grad``;
    - ``after_parameter_gradients(layer: str)``: it is done.

    Layers without parameters have no such step; engines computing both gradients in one pass
    (torch's autograd) never call them.
    """

    def before_forward(self, layer: str) -> None:
        """Called when ``layer`` starts its forward pass."""

    def after_forward(self, layer: str, output: Any) -> None:
        """Called with the activation ``layer`` produced."""

    def before_backward(self, layer: str) -> None:
        """Called when ``layer`` starts its backward pass."""

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Called with the gradient ``layer`` passes to the layer before it (dCost/dInput)."""


class Model(Plugin):
    """A trainable function from samples to class scores.

    Life cycle: the trainer calls ``build`` once per repeat (input size and classes are learned
    here, not asked of the user), then per minibatch ``forward``, ``backward`` and the optimizer's
    step on :meth:`parameters`.
    """

    kind: ClassVar[str] = "model"
    #: the engine the model computes with (``"numpy"``, ``"torch"``...: an ``nnplug.engines`` entry-point
    #: name). Every model declares it as a literal; the run's engine is the model's.
    engine: ClassVar[str]
    #: the tasks the model serves (``("classification",)``), a literal too.
    tasks: ClassVar[tuple[str, ...]]

    def __init__(self) -> None:
        self.layer_observers: list[LayerObserver] = []

    @abstractmethod
    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Create the layers and initialize the parameters, seeded with ``seed``."""

    @abstractmethod
    def forward(self, x: Any, training: bool = False) -> Any:
        """Return the outputs (one row of ``nbr_classes`` scores per sample) for inputs ``x``.

        ``training`` enables dropout and batch statistics; evaluation uses neither.
        """

    @abstractmethod
    def backward(self, loss: "Loss", output: Any, target: Any, cost: Any) -> None:
        """Fill every parameter's ``grad`` with dCost/dParameter for the last training forward.

        ``cost`` is what ``loss.cost(output, target)`` returned (autograd engines differentiate
        it); hand-written engines start from ``loss.gradient(output, target)``.
        """

    @abstractmethod
    def parameters(self) -> list[Parameter]:
        """Return the trainable parameters, in a stable order, with unique names."""

    def parameter_names(self) -> list[str] | None:
        """The names :meth:`parameters` will have after ``build``, when the options alone tell them.

        ``bin/train`` uses them to refuse an unknown ``--track-layer`` name before loading any
        data. None (the default): the names depend on the data; they are checked after ``build``.
        """
        return None

    def state_dict(self) -> dict[str, np.ndarray]:
        """Return every tensor needed to restore the model (parameters and running statistics).

        This default copies the parameters as numpy arrays through the model's engine (the
        installed engine its ``engine`` attribute names); models with running statistics
        override it.
        """
        engine = installed_engine(self.engine)
        return {p.name: np.array(engine.to_numpy(p.value), copy=True) for p in self.parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore tensors saved by :meth:`state_dict` (the model is already built).

        This default writes every parameter in place through the model's engine.
        """
        from nnplug.errors import NnplugError

        engine = installed_engine(self.engine)

        params = {p.name: p for p in self.parameters()}
        missing = sorted(set(params) - set(state))
        if missing:
            raise NnplugError(f"checkpoint lacks tensors {', '.join(missing)}")
        for name, param in params.items():
            value = state[name]
            if tuple(value.shape) != tuple(param.value.shape):
                raise NnplugError(
                    f"checkpoint tensor {name} has shape {tuple(value.shape)}, the model expects {tuple(param.value.shape)}"
                )
            engine.assign(param.value, np.asarray(value))

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Make training-mode forward passes repeatable while the block runs.

        Inside, dropout reuses the masks of the last training forward and batch normalization
        leaves its running statistics alone, so the gradient checker can evaluate the cost at
        perturbed parameters without changing training. Models with such layers override it.
        """
        yield

    @contextlib.contextmanager
    def replaying(self) -> Iterator[None]:
        """Make the last training step repeatable, backward included, while the block runs.

        Like :meth:`frozen` (same dropout masks, batch-norm statistics untouched), but a forward
        inside may be followed by :meth:`backward`: instability checks replay a failed minibatch
        this way to find where a NaN appeared. The caller restores the gradients afterwards. This
        default is :meth:`frozen`; models whose frozen passes cannot be differentiated override it.
        """
        with self.frozen():
            yield

    def gradient_arrays(self) -> list[Any]:
        """The engine arrays that hold every parameter's gradient, as few as the model stores them in.

        Instability checks test these for NaN/Inf once per minibatch, so a model keeping all its
        gradients in one buffer (the numpy models) returns just that buffer. The default: each
        parameter's ``grad``.
        """
        return [param.grad for param in self.parameters() if param.grad is not None]

    def add_layer_observer(self, observer: LayerObserver) -> None:
        """Have ``observer`` called around every layer's forward and backward passes."""
        self.layer_observers.append(observer)

    def remove_layer_observer(self, observer: LayerObserver) -> None:
        """Stop calling ``observer``."""
        self.layer_observers.remove(observer)

    def layer_names(self) -> list[str]:
        """Names of the layers, in forward order (as passed to observers)."""
        return []

