"""Torch hooks that call nnplug layer observers, installed only while there are observers."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from nnplug import LayerObserver


class LayerHooks:
    """Calls every observer around the forward and backward passes of each named leaf module.

    Forward: ``before_forward(name)`` then ``after_forward(name, output)``. Backward: a tensor
    hook on the module's output calls ``before_backward(name)`` when the gradient reaches it, and
    one on its input calls ``after_backward(name, dCost/dInput)``.

    Args:
        modules: (name, module) pairs, in forward order.
        observers: the model's observer list (read live, so later additions are seen).
    """

    def __init__(self, modules: list[tuple[str, nn.Module]], observers: list[LayerObserver]) -> None:
        self.observers = observers
        self.handles = []
        for name, module in modules:
            self.handles.append(module.register_forward_pre_hook(self._before(name)))
            self.handles.append(module.register_forward_hook(self._after(name)))

    def remove(self) -> None:
        """Detach every hook (the model runs hook-free again)."""
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def _before(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: tuple[Any, ...]) -> None:
            for observer in self.observers:
                observer.before_forward(name)
            first = inputs[0] if inputs else None
            if isinstance(first, torch.Tensor) and first.requires_grad:
                first.register_hook(self._gradient(name))

        return hook

    def _after(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            for observer in self.observers:
                observer.after_forward(name, output)
            if isinstance(output, torch.Tensor) and output.requires_grad:
                output.register_hook(self._backward_start(name))

        return hook

    def _backward_start(self, name: str) -> Callable[[torch.Tensor], None]:
        def hook(gradient: torch.Tensor) -> None:
            for observer in self.observers:
                observer.before_backward(name)

        return hook

    def _gradient(self, name: str) -> Callable[[torch.Tensor], None]:
        def hook(gradient: torch.Tensor) -> None:
            for observer in self.observers:
                observer.after_backward(name, gradient)

        return hook
