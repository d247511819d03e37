"""nnplug parameters that are views of torch parameters."""
from __future__ import annotations

from typing import Any

import torch

from nnplug import Parameter


class TorchParameter(Parameter):
    """A :class:`nnplug.Parameter` over a torch parameter.

    ``value`` is the tensor's ``.data`` (writing ``value[index]`` changes the parameter without
    autograd seeing it, as the gradient checker needs) and ``grad`` always reads the tensor's
    current ``.grad``, so the wrapper is made once and stays valid across backward passes.

    Args:
        name: the parameter's name in the torch module (``l0_linear.weight``).
        tensor: the torch parameter.
        decay: whether weight decay applies (matrices and kernels yes, vectors no).
        layer: the module that owns it.
    """

    def __init__(self, name: str, tensor: torch.nn.Parameter, decay: bool, layer: str) -> None:
        self.name = name
        self.tensor = tensor
        self.value = tensor.data
        self.decay = decay
        self.layer = layer

    @property
    def grad(self) -> Any:  # type: ignore[override]
        """dCost/dValue from the last backward (None before the first one)."""
        return self.tensor.grad

    @grad.setter
    def grad(self, value: Any) -> None:
        self.tensor.grad = value

    def __repr__(self) -> str:
        return f"TorchParameter({self.name}, shape={tuple(self.value.shape)}, decay={self.decay})"
