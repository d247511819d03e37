"""``--nbr-clones``: repeat every training sample, so augmentation makes several variants of it."""
from __future__ import annotations

import numpy as np

from nnplug.errors import NnplugError


def clone_indices(indices: np.ndarray, nbr_clones: int) -> np.ndarray:
    """Each index ``nbr_clones`` times in a row (1 keeps ``indices`` as they are).

    Raises:
        NnplugError: ``nbr_clones`` is below 1.
    """
    if nbr_clones < 1:
        raise NnplugError(f"--nbr-clones must be 1 or more, got {nbr_clones}")
    return np.repeat(indices, nbr_clones)
