"""``--nbr-clones``: repeat every training sample, so augmentation makes several variants of it."""
from __future__ import annotations

import numpy as np

from nnplug.errors import NnplugError


def check_nbr_clones(nbr_clones: int) -> int:
    """Return ``nbr_clones`` if it is 1 or more.

    Raises:
        NnplugError: ``nbr_clones`` is below 1.
    """
    if nbr_clones < 1:
        raise NnplugError(f"--nbr-clones must be 1 or more, got {nbr_clones}")
    return nbr_clones


def clone_indices(indices: np.ndarray, nbr_clones: int) -> np.ndarray:
    """Each index ``nbr_clones`` times in a row (1 keeps ``indices`` as they are).

    Raises:
        NnplugError: ``nbr_clones`` is below 1.
    """
    return np.repeat(indices, check_nbr_clones(nbr_clones))
