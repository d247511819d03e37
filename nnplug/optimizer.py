"""The optimizer plugin kind (entry-point group ``nnplug.optimizers``)."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, Callable, ClassVar

import numpy as np

from nnplug.errors import NnplugError
from nnplug.model import Parameter
from nnplug.plugin import Plugin

__all__ = ["Optimizer", "check_state_names", "parameter_arrays", "restore_parameter_arrays"]


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

    def state(self) -> dict[str, np.ndarray]:
        """Internal state that continuing training needs (moments, step counts), as named arrays.

        Names are flat strings; per-parameter entries carry the parameter's name (``first/L0_Dense_W``)
        so the state survives a rebuild of the model. Values are numpy arrays (0-d for counters)
        copied from the optimizer, so later steps do not change them. Checkpoints store it
        (``--save-model``, best-on-dev) and ``--load-model`` gives it back through
        :meth:`load_state`. Empty (the default) for stateless optimizers.
        """
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state` returned, after :meth:`build` on the same model's parameters.

        Raises:
            NnplugError: ``state`` does not fit (other parameters, shapes, or entries this optimizer
                does not know); the default refuses any non-empty state.
        """
        if state:
            raise NnplugError(f"{self.plugin_name or type(self).__name__} keeps no state, yet state {', '.join(sorted(state)[:3])} was given")


def parameter_arrays(prefix: str, parameters: list[Parameter], arrays: list[Any]) -> dict[str, np.ndarray]:
    """Copies of per-parameter arrays named ``<prefix>/<parameter name>`` (for :meth:`Optimizer.state`)."""
    return {f"{prefix}/{param.name}": np.array(array, copy=True) for param, array in zip(parameters, arrays)}


def restore_parameter_arrays(owner: str, state: dict[str, np.ndarray], prefix: str, parameters: list[Parameter], arrays: list[np.ndarray]) -> None:
    """Copy ``state["<prefix>/<parameter name>"]`` into ``arrays`` (one per parameter), in place.

    Raises:
        NnplugError: an entry is missing or has another shape than the parameter's.
    """
    for param, array in zip(parameters, arrays):
        key = f"{prefix}/{param.name}"
        if key not in state:
            raise NnplugError(f"{owner} state has no {key} (saved for another model?)")
        value = np.asarray(state[key])
        if value.shape != array.shape:
            raise NnplugError(f"{owner} state {key} has shape {value.shape}, the parameter {tuple(array.shape)}")
        array[...] = value


def check_state_names(owner: str, state: dict[str, np.ndarray], expected: set[str]) -> None:
    """Refuse a state whose names are not exactly ``expected`` (one line naming the first differences)."""
    unknown, missing = sorted(set(state) - expected), sorted(expected - set(state))
    if unknown or missing:
        parts = ([f"unknown {', '.join(unknown[:3])}"] if unknown else []) + ([f"missing {', '.join(missing[:3])}"] if missing else [])
        raise NnplugError(f"{owner} state does not fit this model: {'; '.join(parts)}")
