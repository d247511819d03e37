"""``--max-minibatch-size``: cut an epoch's samples into minibatches."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from nnplug.errors import NnplugError


def check_minibatch_size(size: int) -> int:
    """Return ``size`` if it is a positive integer.

    Raises:
        NnplugError: ``size`` is 0 or negative.
    """
    if size < 1:
        raise NnplugError(f"--max-minibatch-size must be a positive integer, got {size}")
    return size


def cut_minibatches(indices: np.ndarray, max_size: int) -> Iterator[np.ndarray]:
    """Consecutive chunks of at most ``max_size`` indices (the last one may be smaller)."""
    for start in range(0, len(indices), max_size):
        yield indices[start : start + max_size]
