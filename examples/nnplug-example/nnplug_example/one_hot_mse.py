"""Mean squared error between the model's outputs and one-hot targets."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Loss


class OneHotMSE(Loss):
    """Mean squared error between outputs (class probabilities) and one-hot targets.

    ``cost = mean over samples of sum over classes (output - target)²``: the Brier score. Less
    eager than cross-entropy to push probabilities to 0 or 1.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def cost(self, output: np.ndarray, target: np.ndarray) -> float:
        """Mean over samples of the summed squared differences."""
        return float(np.sum((output - target) ** 2) / output.shape[0])

    def gradient(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """dCost/dOutput = 2 (output - target) / samples."""
        return 2.0 * (output - target) / output.shape[0]
