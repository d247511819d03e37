"""Leaky rectified linear unit."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class LeakyReLU(Layer):
    """``x`` where positive, ``slope * x`` elsewhere.

    Args:
        slope: the multiplier of negative inputs.
    """

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``x * local_slope`` where the local slope is 1 (x > 0) or ``slope``."""
        slope = self.dtype.type(self.slope)
        if 0.0 <= self.slope <= 1.0:  # max(1 or 0, slope): the same values as np.where, a few times faster
            self.local_slope = (x > 0).astype(self.dtype)
            np.maximum(self.local_slope, slope, out=self.local_slope)
        else:
            self.local_slope = np.where(x > 0, self.dtype.type(1.0), slope)
        return x * self.local_slope

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """``g * local_slope``."""
        return gradient * self.local_slope
