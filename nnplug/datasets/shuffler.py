"""The training order of an epoch: a permutation seeded by the load seed and the epoch number."""
from __future__ import annotations

import numpy as np


class EpochShuffler:
    """Shuffles indices differently every epoch, reproducibly.

    Args:
        seed: the data loader's load seed (the repeat's dataset seed).
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def order(self, indices: np.ndarray, epoch: int) -> np.ndarray:
        """``indices`` permuted for ``epoch`` (same seed and epoch, same order)."""
        return np.random.default_rng([self.seed, epoch, 1]).permutation(indices)
