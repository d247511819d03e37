"""Binary cross-entropy of independent label probabilities (numpy)."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Loss

#: probabilities are clipped to [CLIP, 1 - CLIP] against log(0).
CLIP = 1e-12


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy summed over labels, averaged over samples, for sigmoid outputs (numpy).

    ``cost = −Σ [y·log a + (1 − y)·log(1 − a)] / N``; its gradient ``(a − y) / (a (1 − a) N)``,
    zero where a probability was clipped.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("multilabel",)
    outputs: ClassVar[tuple[str, ...]] = ("sigmoid",)

    def cost(self, output: np.ndarray, target: np.ndarray) -> float:
        """Mean over the minibatch of the summed binary cross-entropies."""
        a = np.clip(np.asarray(output), CLIP, 1 - CLIP)
        y = np.asarray(target)
        return float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / len(a))

    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dCost/dOutput."""
        a = np.asarray(output)
        y = np.asarray(target)
        inside = (a > CLIP) & (a < 1 - CLIP)
        safe = np.clip(a, CLIP, 1 - CLIP)
        return np.where(inside, (safe - y) / (safe * (1 - safe) * len(a)), 0.0)
