"""Inverted dropout: zeroes a share of the activations while training, identity at evaluation."""
from __future__ import annotations

import numpy as np

from nnplug_numpy.layers.layer import Layer


class Dropout(Layer):
    """Inverted dropout: while training, keeps each activation with probability ``1 − rate`` and
    scales the kept ones by ``1 / (1 − rate)``, so evaluation needs no rescaling.

    The mask of the last training forward is kept: frozen forwards (gradient checks) replay it.

    Args:
        rate: share of activations dropped, in [0, 1); 0 makes the layer the identity.
        rng: where the masks are drawn from (the model's dropout generator).
    """

    def __init__(self, rate: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.rate = rate
        self.rng = rng
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """``x * mask`` in training (mask of 0 and 1 / (1 − rate)), ``x`` at evaluation."""
        if not training or self.rate == 0.0:
            return x
        if not self.frozen or self.mask is None or self.mask.shape != x.shape:
            keep = 1.0 - self.rate
            self.mask = (self.rng.random(x.shape, dtype=self.dtype) < keep) * self.dtype.type(1.0 / keep)
        return x * self.mask

    def backward_input(self, gradient: np.ndarray) -> np.ndarray:
        """``g * mask``: dropped activations get no gradient."""
        return gradient if self.rate == 0.0 else gradient * self.mask
