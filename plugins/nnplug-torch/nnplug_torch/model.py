"""The base of nnplug models computed by torch: everything but the network itself."""
from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any, ClassVar, Iterator

import numpy as np
import torch
from torch import nn

from nnplug import LayerObserver, Model, NnplugError
from nnplug.files import atomic_path
from nnplug_torch.dropout import SeededDropout
from nnplug_torch.layer_hooks import LayerHooks
from nnplug_torch.parameter import TorchParameter
from nnplug_torch.tensors import as_tensor, resolve_device, torch_dtype

#: Name given to the final softmax in observer calls and layer lists.
SOFTMAX_LAYER = "softmax"

#: --output values: the function applied to the network's raw scores (None: linear, none).
OUTPUTS = {"softmax": lambda scores: torch.softmax(scores, dim=1), "sigmoid": torch.sigmoid, "linear": None}


class TorchModel(Model):
    """A model whose ``network`` is a torch module returning logits; outputs follow :attr:`output`.

    Subclasses build ``network`` in :meth:`build` and hand it to :meth:`attach`. With the default
    ``output = "softmax"``, forward passes return class probabilities (a softmax of the logits,
    like the numpy engine's models) with the logits attached as ``output.nnplug_logits``, so torch
    losses compute the cost from the logits (numerically safe) while everything else sees
    probabilities; ``"sigmoid"`` returns the sigmoid of the scores, ``"linear"`` the scores
    themselves (regression).

    Backward is autograd's; parameters are :class:`TorchParameter` views named as in the
    module's ``state_dict``; layer observers are torch hooks installed only while observers are
    attached (no cost otherwise).

    Args:
        dtype: float64 or float32.
        device: cpu, cuda or auto.
    """

    engine: ClassVar[str] = "torch"
    #: the last activation: softmax, sigmoid or linear (checked against the task and loss before training).
    output: str = "softmax"

    def __init__(self, dtype: str = "float64", device: str = "cpu") -> None:
        super().__init__()
        self.dtype = torch_dtype(dtype)
        self.device = resolve_device(device)
        self.network: nn.Module | None = None
        self.generator: torch.Generator | None = None
        self._parameters: list[TorchParameter] = []
        self._hooks: LayerHooks | None = None
        self._gradients = torch.zeros(0)
        self._gradient_views: list[torch.Tensor] = []
        self._mode: bool | None = None
        self._frozen = False

    # building -------------------------------------------------------------------------
    def make_generator(self, seed: int) -> torch.Generator:
        """The model's own random generator (initialization, dropout masks), seeded."""
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(int(seed))
        return self.generator

    def attach(self, network: nn.Module) -> None:
        """Adopt ``network`` (moved to the model's device and dtype) and wrap its parameters."""
        self.network = network.to(device=self.device, dtype=self.dtype)
        self._mode = None
        self._parameters = [
            TorchParameter(name, tensor, decay=tensor.dim() > 1, layer=name.rpartition(".")[0])
            for name, tensor in self.network.named_parameters()
        ]
        self._gradients, self._gradient_views = self._gradient_buffer()

    def _gradient_buffer(self) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One zeroed buffer for every parameter's gradient, and its views shaped like each parameter."""
        tensors = [param.tensor for param in self._parameters]
        buffer = torch.zeros(sum(tensor.numel() for tensor in tensors), dtype=self.dtype, device=self.device)
        views, offset = [], 0
        for tensor in tensors:
            views.append(buffer[offset : offset + tensor.numel()].view_as(tensor))
            offset += tensor.numel()
        return buffer, views

    def _network(self) -> nn.Module:
        if self.network is None:
            raise RuntimeError(f"{type(self).__name__} is used before build()")
        return self.network

    # training step --------------------------------------------------------------------
    def as_input(self, x: Any) -> torch.Tensor:
        """Samples (numpy array or tensor) as a tensor of the model's dtype on its device."""
        return as_tensor(x, self.dtype, self.device)

    def logits(self, x: Any, training: bool = False) -> torch.Tensor:
        """The network's raw scores for ``x`` (gradients tracked in training only)."""
        network = self._network()
        if self._mode is not training:
            network.train(training)
            self._mode = training
        inputs = self.as_input(x)
        if training and not self._frozen:
            return network(inputs)
        with torch.no_grad():
            return network(inputs)

    def forward(self, x: Any, training: bool = False) -> torch.Tensor:
        """The outputs for ``x`` (class probabilities by default); the logits ride along as ``nnplug_logits``."""
        logits = self.logits(x, training)
        activation = OUTPUTS[self.output]
        if activation is None:
            return logits
        if self.layer_observers:
            for observer in self.layer_observers:
                observer.before_forward(self.output)
        probabilities = activation(logits)
        if self.layer_observers:
            for observer in self.layer_observers:
                observer.after_forward(self.output, probabilities)
        if self.output == "softmax":
            probabilities.nnplug_logits = logits  # type: ignore[attr-defined]
        return probabilities

    def backward(self, loss: Any, output: Any, target: Any, cost: Any) -> None:
        """Zero the gradients and let autograd fill them from ``cost``.

        Every parameter's ``.grad`` is a view of one buffer that autograd adds into in place, so
        instability checks test all gradients with one reduction (:meth:`gradient_arrays`); a
        parameter the cost does not reach gets a zero gradient rather than None.
        """
        if not isinstance(cost, torch.Tensor) or cost.grad_fn is None:
            raise NnplugError(
                f"{type(self).__name__} computes with torch: choose a torch loss (CrossEntropyTorch), not {type(loss).__name__}"
            )
        self._gradients.zero_()
        for param, view in zip(self._parameters, self._gradient_views):
            if param.tensor.grad is not view:  # set to None or replaced by other code: back into the buffer
                param.tensor.grad = view
        cost.backward()

    def gradient_arrays(self) -> list[torch.Tensor]:
        """The one buffer every parameter's ``.grad`` is a view of (or each ``.grad`` when code replaced one)."""
        if all(param.tensor.grad is view for param, view in zip(self._parameters, self._gradient_views)):
            return [self._gradients]
        return [param.grad for param in self._parameters if param.grad is not None]

    def parameters(self) -> list[TorchParameter]:
        """The network's parameters, in ``named_parameters`` order."""
        return list(self._parameters)

    # checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers (batch-norm running statistics...) as numpy arrays."""
        return {name: tensor.detach().cpu().numpy().copy() for name, tensor in self._network().state_dict().items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore tensors saved by :meth:`state_dict`; one-line errors on missing or misshapen ones."""
        expected = self._network().state_dict()
        missing = sorted(set(expected) - set(state))
        if missing:
            raise NnplugError(f"checkpoint lacks tensors {', '.join(missing)}")
        unexpected = sorted(set(state) - set(expected))
        if unexpected:
            raise NnplugError(f"checkpoint has tensors this {type(self).__name__} does not: {', '.join(unexpected)}")
        for name, tensor in expected.items():
            if tuple(np.shape(state[name])) != tuple(tensor.shape):
                raise NnplugError(
                    f"checkpoint tensor {name} has shape {tuple(np.shape(state[name]))}, the model expects {tuple(tensor.shape)}"
                )
        with torch.no_grad():
            for name, tensor in expected.items():
                tensor.copy_(torch.as_tensor(np.asarray(state[name])).to(dtype=tensor.dtype, device=tensor.device))

    # checks ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Replay the last dropout masks and keep batch-norm statistics unchanged while inside."""
        network = self._network()
        saved = {name: buffer.clone() for name, buffer in network.named_buffers()}
        dropouts = [m for m in network.modules() if isinstance(m, SeededDropout)]
        for module in dropouts:
            module.replay = True
        self._frozen = True  # frozen passes only evaluate the cost: no autograd graph needed
        try:
            yield
        finally:
            self._frozen = False
            for module in dropouts:
                module.replay = False
            with torch.no_grad():
                for name, buffer in network.named_buffers():
                    buffer.copy_(saved[name])

    @contextlib.contextmanager
    def replaying(self) -> Iterator[None]:
        """:meth:`frozen` with autograd on, so a replayed training step can run backward too."""
        with self.frozen():
            self._frozen = False  # frozen passes skip the autograd graph; a replayed step needs it
            yield

    # observers ------------------------------------------------------------------------
    def leaf_modules(self) -> list[tuple[str, nn.Module]]:
        """The network's modules without children, in registration (forward) order."""
        return [(name, module) for name, module in self._network().named_modules() if name and not any(module.children())]

    def layer_names(self) -> list[str]:
        """Names given to observers, in forward order."""
        return [name for name, _ in self.leaf_modules()] + ([self.output] if OUTPUTS[self.output] is not None else [])

    def add_layer_observer(self, observer: LayerObserver) -> None:
        """Observe every module's passes (installs the torch hooks with the first observer)."""
        super().add_layer_observer(observer)
        if self._hooks is None:
            self._hooks = LayerHooks(self.leaf_modules(), self.layer_observers)

    def remove_layer_observer(self, observer: LayerObserver) -> None:
        """Stop observing (removes the hooks with the last observer)."""
        super().remove_layer_observer(observer)
        if not self.layer_observers and self._hooks is not None:
            self._hooks.remove()
            self._hooks = None

    # export ---------------------------------------------------------------------------
    def export_onnx(self, path: Path, sample_shape: tuple[int, ...], dtype: str = "float32", opset: int = 17) -> None:
        """Write the model (evaluation mode, probabilities out, batch size free) as ONNX to ``path``."""
        network = copy.deepcopy(self._network()).to(device="cpu", dtype=torch_dtype(dtype)).eval()
        exported = _Output(network, self.output).eval()
        dummy = torch.zeros((2, *sample_shape), dtype=torch_dtype(dtype))
        path = Path(path)
        with atomic_path(path) as temporary:
            torch.onnx.export(
                exported, (dummy,), str(temporary), input_names=["input"], output_names=["probabilities"],
                dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=opset, dynamo=False,
            )


class _Output(nn.Module):
    """The network followed by the output activation the model applies, for export."""

    def __init__(self, network: nn.Module, output: str = "softmax") -> None:
        super().__init__()
        self.network = network
        self.output = output

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        activation = OUTPUTS[self.output]
        scores = self.network(x)
        return scores if activation is None else activation(scores)
