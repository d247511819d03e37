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


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)
