"""An engine-neutral loss used to drive a model's backward pass in the model checks."""
from __future__ import annotations

from typing import Any

from nnplug.loss import Loss


class ProbeLoss(Loss):
    """Half the squared distance to the targets, averaged over samples.

    Written with arithmetic operators and ``.sum()`` only, so the same code runs on numpy arrays
    and on torch tensors (where autograd follows it). Its gradient is ``(output - target) / n``.
    """

    plugin_name = "ProbeLoss"

    def cost(self, output: Any, target: Any) -> Any:
        """Mean over samples of ``0.5 * sum((output - target) ** 2)``."""
        return ((output - target) ** 2).sum() * (0.5 / output.shape[0])

    def gradient(self, output: Any, target: Any) -> Any:
        """dCost/dOutput."""
        return (output - target) * (1.0 / output.shape[0])
