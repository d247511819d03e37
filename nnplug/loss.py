"""The loss plugin kind (entry-point group ``nnplug.losses``)."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from nnplug.plugin import Plugin


class Loss(Plugin):
    """Measures how far a model's outputs are from the targets; the trainer minimizes it.

    ``cost`` is the mean over the minibatch of the data term only. Weight decay (L2) belongs to
    the optimizer: the trainer adds :meth:`nnplug.optimizer.Optimizer.penalty` to the reported
    cost, and optimizers add its gradient themselves.
    """

    kind: ClassVar[str] = "loss"

    @abstractmethod
    def cost(self, output: Any, target: Any) -> Any:
        """Return the mean cost of ``output`` against one-hot ``target`` (an engine scalar)."""

    def gradient(self, output: Any, target: Any) -> Any:
        """Return dCost/dOutput (same shape as ``output``) for engines with hand-written backward.

        Engines with automatic differentiation (torch) do not need it and may leave it
        unimplemented.
        """
        raise NotImplementedError(f"{type(self).__name__} gives no explicit gradient")
