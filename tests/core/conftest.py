"""Core tests train the toy plugins of ``nnplug.testing.toys`` on in-memory blobs: no installed engine needed."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.registry import Registry
from nnplug.testing import toys


class Blobs(ArrayDataLoader):
    """Three well separated Gaussian blobs in 4 dimensions.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 40, max_minibatch_size: int = 16) -> None:
        rng = np.random.default_rng(123)
        centers = np.eye(3, 4) * 0.8 + 0.1
        x = np.concatenate([rng.normal(c, 0.05, (samples, 4)) for c in centers]).clip(0, 1)
        y = np.repeat(np.arange(3), samples)
        super().__init__(x, y, ["a", "b", "c"], max_minibatch_size=max_minibatch_size)


@pytest.fixture
def toy_registry() -> Registry:
    """A registry holding only the toy plugins, under the default names."""
    return toys.toy_registry(Blobs)
