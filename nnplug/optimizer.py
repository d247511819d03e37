"""The optimizer plugin kind (entry-point group ``nnplug.optimizers``)."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable, ClassVar

from nnplug.model import Parameter
from nnplug.plugin import Plugin


class Optimizer(Plugin):
    """Moves a model's parameters along their gradients.

    Every optimizer has ``learning_rate`` and ``weight_decay`` options. Weight decay is L2
    regularization: :meth:`penalty` is added to the reported cost and ``weight_decay * value``
    to the gradient of every parameter whose ``decay`` flag is set.
    """

    kind: ClassVar[str] = "optimizer"
    learning_rate: float = 0.001
    weight_decay: float = 0.0

    @abstractmethod
    def build(self, parameters: list[Parameter]) -> None:
        """Attach to the parameters it will update (called once per repeat, after the model's build)."""

    @abstractmethod
    def step(self, epoch: int) -> None:
        """Apply one update from the gradients currently held by the parameters."""

    def penalty(self, parameters: list[Parameter]) -> float:
        """Return the L2 term added to the cost: weight_decay / 2 * sum of squared decayed weights."""
        if not self.weight_decay:
            return 0.0
        total = 0.0
        for param in parameters:
            if param.decay:
                total += float((param.value * param.value).sum())
        return 0.5 * self.weight_decay * total

    @property
    def update_observers(self) -> list[Callable[[Parameter, float], None]]:
        """Callables told ``(parameter, seconds)`` after each tensor's update (profiling).

        Optimizers that update tensor by tensor call them (only when the list is not empty);
        those that update everything in one call (torch.optim) may ignore them.
        """
        return self.__dict__.setdefault("_update_observers", [])

    def add_update_observer(self, observer: Callable[[Parameter, float], None]) -> None:
        """Have ``observer(parameter, seconds)`` called after every per-tensor update."""
        self.update_observers.append(observer)

    def remove_update_observer(self, observer: Callable[[Parameter, float], None]) -> None:
        """Stop calling ``observer``."""
        self.update_observers.remove(observer)

    def current_learning_rate(self, epoch: int) -> float:
        """The learning rate used at ``epoch`` (schedules override it)."""
        return self.learning_rate

    def state(self) -> dict[str, Any]:
        """Internal state to checkpoint (moments, step counts); empty when there is none."""
        return {}
