"""Accuracy plugins of the numpy engine."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.accuracy import Accuracy


class ClassesNumpy(Accuracy):
    """Share of samples whose highest score is their class (argmax), on numpy outputs.

    The confusion matrix (counts[true, predicted]) comes from the base class.
    """

    def predictions(self, output: Any) -> np.ndarray:
        """Index of the highest score of every sample."""
        if hasattr(output, "detach"):
            output = output.detach().cpu().numpy()
        return np.asarray(output).argmax(axis=1)
