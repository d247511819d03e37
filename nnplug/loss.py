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
    #: Tasks whose targets the loss compares outputs with (declared by every loss, read without import).
    tasks: ClassVar[tuple[str, ...]] = ()
    #: Model output activations the loss needs (``("softmax",)`` for a cross-entropy on
    #: probabilities); empty: any. Checked against the model's ``output`` before training.
    outputs: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def cost(self, output: Any, target: Any) -> Any:
        """Return the mean cost of ``output`` against ``target`` (an engine scalar).

        Targets are what the task says (one-hot rows for classification, real values for
        regression), in the model's engine.
        """

    def gradient(self, output: Any, target: Any) -> Any:
        """Return dCost/dOutput (same shape as ``output``) for engines with hand-written backward.

        Engines with automatic differentiation (torch) do not need it and may leave it
        unimplemented.
        """
        raise NotImplementedError(f"{type(self).__name__} gives no explicit gradient")
