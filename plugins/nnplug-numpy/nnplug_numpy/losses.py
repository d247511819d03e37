"""Loss plugins of the numpy engine."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug.loss import Loss

#: smallest probability fed to the logarithm (log(0) would be -inf).
CLIP = 1e-12


class CrossEntropy(Loss):
    """Cross-entropy of softmax probabilities against one-hot targets (numpy).

    ``cost = −Σ y·log(a) / N`` with ``a`` clipped to [1e-12, 1] against log(0). The L2 term of
    weight decay is added by the optimizer (``--weight-decay``), not here.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    #: it takes probabilities: the model must end in a softmax.
    outputs: ClassVar[tuple[str, ...]] = ("softmax",)

    #: dCost/dz = (a − y) / N when a = softmax(z): OneLayer's backward relies on it.
    softmax_cross_entropy: ClassVar[bool] = True

    def cost(self, output: Any, target: Any) -> float:
        """Mean cross-entropy over the minibatch."""
        a = _numpy(output)
        y = _numpy(target)
        clipped = np.clip(a, CLIP, 1.0)
        return float(-np.einsum("ij,ij->", y, np.log(clipped)) / len(a))

    def gradient(self, output: Any, target: Any) -> np.ndarray:
        """dCost/dOutput = −y / (a·N), zero where the probability was clipped."""
        a = _numpy(output)
        y = _numpy(target)
        gradient = -y / (np.maximum(a, CLIP) * len(a))
        gradient[a < CLIP] = 0.0
        return gradient



class MeanSquaredError(Loss):
    """Mean squared error between outputs and targets (numpy), for regression (or one-hot targets).

    ``cost = Σ (a − y)² / (N·K)`` over the N samples and K outputs (the mean of every entry, as
    ``torch.nn.MSELoss``); its gradient ``2 (a − y) / (N·K)``. Any model output fits (linear for
    regression). The L2 term of weight decay is added by the optimizer, not here.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("regression", "classification")

    def cost(self, output: Any, target: Any) -> float:
        """Mean of the squared differences over every entry of the minibatch."""
        difference = _numpy(output) - _numpy(target)
        return float(np.einsum("ij,ij->", difference, difference) / difference.size)

    def gradient(self, output: Any, target: Any) -> np.ndarray:
        """dCost/dOutput = 2 (a − y) / (N·K)."""
        difference = _numpy(output) - _numpy(target)
        return difference * (2.0 / difference.size)


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
