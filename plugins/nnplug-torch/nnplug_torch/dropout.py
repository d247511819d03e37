"""Inverted dropout with its own random generator and a replayable mask."""
from __future__ import annotations

import torch
from torch import nn


class SeededDropout(nn.Module):
    """Zeroes each activation with probability ``rate`` in training and scales the others by 1/(1-rate).

    Masks come from the model's generator (seeded by ``--model-seed``, independent of the data
    loader's randomness). With ``replay`` set (the gradient checker's frozen mode) the mask of
    the last training pass is used again.

    Args:
        rate: probability of dropping an activation, in [0, 1).
        generator: where the masks are drawn from.
    """

    def __init__(self, rate: float, generator: torch.Generator) -> None:
        super().__init__()
        self.rate = float(rate)
        self.generator = generator
        self.replay = False
        self.mask: torch.Tensor | None = None

    def forward(self, x: torch.Tensor, ratio: float | None = None, training_mode: object = None) -> torch.Tensor:
        """Apply dropout (``ratio`` is the ONNX Dropout input, when the graph gives one)."""
        rate = self.rate if ratio is None else float(ratio)
        if not self.training or rate == 0.0:
            return x
        if not (self.replay and self.mask is not None and self.mask.shape == x.shape):
            keep = 1.0 - rate
            self.mask = torch.empty_like(x).bernoulli_(keep, generator=self.generator).div_(keep)
        return x * self.mask

    def extra_repr(self) -> str:
        return f"rate={self.rate}"
