"""Optimizer plugins of the torch engine: thin adapters over ``torch.optim``."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import torch

from nnplug import NnplugError, Optimizer, Parameter


#: ``--implementation`` values: how torch runs an update (see :class:`TorchOptimizer`).
IMPLEMENTATIONS = ("fused", "foreach", "single-tensor")


class TorchOptimizer(Optimizer):
    """Runs a ``torch.optim`` optimizer on the torch tensors behind a model's parameters.

    Weight decay is L2 (coupled) as in the numpy engine: ``weight_decay * value`` is added to the
    gradient of parameters whose ``decay`` flag is set (weights), not to biases and norms.

    ``implementation`` picks torch's kernels for the update: ``fused`` (one kernel per tensor
    doing the whole update, on the CPU and CUDA: the default, 2.4x faster than ``single-tensor``
    for Adam on the 784-100-10 MLP), ``foreach`` (a few multi-tensor kernels) or
    ``single-tensor`` (torch's per-tensor loop, what ``torch.optim`` does on the CPU by default).
    They compute the same update; results may differ in the last bits of float rounding.
    """

    engine: ClassVar[str] = "torch"

    def __init__(self, learning_rate: float = 0.001, weight_decay: float = 0.0, implementation: str = "fused") -> None:
        if implementation not in IMPLEMENTATIONS:
            raise NnplugError(f"--implementation must be one of {', '.join(IMPLEMENTATIONS)}, got {implementation!r}")
        if learning_rate <= 0:
            raise NnplugError(f"--learning-rate must be positive, got {learning_rate}")
        if weight_decay < 0:
            raise NnplugError(f"--weight-decay must be 0 or more, got {weight_decay}")
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.implementation = implementation
        self.optimizer: torch.optim.Optimizer | None = None
        self.parameters: list[Parameter] = []

    def create(self, groups: list[dict[str, Any]]) -> torch.optim.Optimizer:
        """The torch optimizer over parameter ``groups`` (subclasses choose the algorithm)."""
        raise NotImplementedError

    def kernels(self) -> dict[str, bool]:
        """The ``fused`` / ``foreach`` keywords of ``torch.optim`` for :attr:`implementation`."""
        return {"fused": {"fused": True}, "foreach": {"foreach": True}, "single-tensor": {"foreach": False}}[self.implementation]

    def build(self, parameters: list[Parameter]) -> None:
        """Attach to the torch tensors of ``parameters`` (refused for other engines' models)."""
        self.parameters = list(parameters)
        tensors = [getattr(param, "tensor", None) for param in parameters]
        if any(not isinstance(t, torch.Tensor) for t in tensors):
            name = self.plugin_name or type(self).__name__
            raise NnplugError(f"{name} updates torch models (NLayersTorch, OnnxTorch); this model is not one: choose a numpy optimizer such as Adam")
        if not self.weight_decay:  # one group: one pass of the update kernels per step
            self.optimizer = self.create([{"params": [param.tensor for param in parameters], "weight_decay": 0.0}])
            return
        decayed = [param.tensor for param in parameters if param.decay]
        others = [param.tensor for param in parameters if not param.decay]
        groups = [{"params": decayed, "weight_decay": self.weight_decay}, {"params": others, "weight_decay": 0.0}]
        self.optimizer = self.create([group for group in groups if group["params"]])

    def step(self, epoch: int) -> None:
        """One update from the gradients the model's backward left."""
        self.optimizer.step()

    def state(self) -> dict[str, np.ndarray]:
        """The torch optimizer's per-tensor state (``exp_avg/<name>``, ``step/<name>``...) as numpy copies.

        Hyper-parameters are not saved: they come from the options of the run that continues.
        """
        state: dict[str, np.ndarray] = {}
        if self.optimizer is None:
            return state
        for param in self.parameters:
            for key, value in self.optimizer.state.get(param.tensor, {}).items():
                if isinstance(value, torch.Tensor):
                    state[f"{key}/{param.name}"] = value.detach().cpu().numpy().copy()
                elif value is not None:
                    state[f"{key}/{param.name}"] = np.array(value)
        return state

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Give the torch optimizer back its per-tensor state (after :meth:`build`)."""
        owner = self.plugin_name or type(self).__name__
        by_name = {param.name: param for param in self.parameters}
        restored: dict[torch.Tensor, dict[str, torch.Tensor]] = {}
        for key, value in state.items():
            slot, _, name = key.partition("/")
            param = by_name.get(name)
            if param is None:
                raise NnplugError(f"{owner} state {key} names no parameter of this model (saved for another model?)")
            array = np.asarray(value)
            if array.ndim and array.shape != tuple(param.tensor.shape):
                raise NnplugError(f"{owner} state {key} has shape {array.shape}, the parameter {tuple(param.tensor.shape)}")
            # step counters live on the CPU, but on the parameter's device for fused kernels
            device = param.tensor.device if array.ndim or self.implementation == "fused" else torch.device("cpu")
            restored.setdefault(param.tensor, {})[slot] = torch.tensor(array, device=device)
        for tensor, slots in restored.items():
            self.optimizer.state[tensor] = slots


class AdamTorch(TorchOptimizer):
    """Adam (torch.optim.Adam) with L2 weight decay on weights."""

    def __init__(
        self, learning_rate: float = 0.001, weight_decay: float = 0.0, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8,
        implementation: Literal["fused", "foreach", "single-tensor"] = "fused",
    ) -> None:
        """
        Args:
            learning_rate: step size of every update.
            weight_decay: L2 regularization strength (adds weight_decay / 2 · ΣW² to the cost).
            beta1: decay rate of the running mean of gradients.
            beta2: decay rate of the running mean of squared gradients.
            epsilon: added to the denominator for numerical stability.
            implementation: torch's update kernels: fused (one per tensor, fastest), foreach or single-tensor.
        """
        super().__init__(learning_rate, weight_decay, implementation)
        for name, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= value < 1.0:
                raise NnplugError(f"--{name} must be in [0, 1), got {value}")
        if epsilon <= 0:
            raise NnplugError(f"--epsilon must be positive, got {epsilon}")
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    def create(self, groups: list[dict[str, Any]]) -> torch.optim.Optimizer:
        """torch.optim.Adam."""
        return torch.optim.Adam(groups, lr=self.learning_rate, betas=(self.beta1, self.beta2), eps=self.epsilon, **self.kernels())


class SGDTorch(TorchOptimizer):
    """Stochastic gradient descent (torch.optim.SGD), with optional momentum and L2 weight decay."""

    def __init__(
        self, learning_rate: float = 0.001, weight_decay: float = 0.0, momentum: float = 0.0,
        implementation: Literal["fused", "foreach", "single-tensor"] = "fused",
    ) -> None:
        """
        Args:
            learning_rate: step size of every update.
            weight_decay: L2 regularization strength (adds weight_decay / 2 · ΣW² to the cost).
            momentum: share of the previous update added to the current one (0: plain gradient descent).
            implementation: torch's update kernels: fused (one per tensor, fastest), foreach or single-tensor.
        """
        super().__init__(learning_rate, weight_decay, implementation)
        if not 0.0 <= momentum < 1.0:
            raise NnplugError(f"--momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum

    def create(self, groups: list[dict[str, Any]]) -> torch.optim.Optimizer:
        """torch.optim.SGD."""
        return torch.optim.SGD(groups, lr=self.learning_rate, momentum=self.momentum, **self.kernels())
