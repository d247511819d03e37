"""ColorMixes: small images mixing red, green and blue, tagged with every colour they hold."""
from __future__ import annotations

from typing import ClassVar, Iterator

import numpy as np

from nnplug import PARTITIONS, DataLoader, Minibatch, NnplugError

COLOURS = ["red", "green", "blue"]


class ColorMixes(DataLoader):
    """Synthetic multi-label images: each colour channel is lit or not, and tagged when lit.

    The images are generated once, the same every time (their own fixed seed); ``--dataset-seed``
    draws the partitions and the training order. Values are in 0..1, channel-major, flattened.

    Args:
        samples: number of images.
        size: width and height of the images.
        partitions: share of each partition as JSON, positive and summing to 1 (training required).
        max_minibatch_size: largest training minibatch (dev and test are not split).
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("multilabel",)

    def __init__(
        self,
        samples: int = 240,
        size: int = 4,
        partitions: dict[str, float] = {"training": 0.7, "dev": 0.15, "test": 0.15},
        max_minibatch_size: int = 32,
    ) -> None:
        if samples < 10:
            raise NnplugError(f"--samples must be 10 or more, got {samples}")
        if size < 1:
            raise NnplugError(f"--size must be positive, got {size}")
        if set(partitions) - set(PARTITIONS) or "training" not in partitions or abs(sum(partitions.values()) - 1) > 1e-6:
            raise NnplugError(f"--partitions must name training (and dev, test) with shares summing to 1, got {partitions}")
        if max_minibatch_size < 1:
            raise NnplugError(f"--max-minibatch-size must be positive, got {max_minibatch_size}")
        self.shares = {name: partitions[name] for name in PARTITIONS if name in partitions}
        self.max_minibatch_size = max_minibatch_size
        rng = np.random.default_rng(2024)  # the dataset itself never changes
        self.y = rng.integers(0, 2, size=(samples, len(COLOURS))).astype(np.float64)
        lit = rng.uniform(0.6, 1.0, size=(samples, len(COLOURS), size, size))
        dark = rng.uniform(0.0, 0.3, size=(samples, len(COLOURS), size, size))
        self.x = np.where(self.y[:, :, None, None] == 1, lit, dark).reshape(samples, -1)
        self.indices: dict[str, np.ndarray] = {}
        self.seed = 0

    def load(self, seed: int) -> None:
        """Draw the partitions with ``seed``."""
        self.seed = seed
        order = np.random.default_rng(seed).permutation(len(self.x))
        counts = [int(round(share * len(order))) for share in self.shares.values()]
        counts[0] += len(order) - sum(counts)
        bounds = np.cumsum([0, *counts])
        self.indices = {name: np.sort(order[a:b]) for name, a, b in zip(self.shares, bounds, bounds[1:])}

    @property
    def labels(self) -> list[str]:
        """The colour tags, one model output each."""
        return list(COLOURS)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Flattened channel-major images."""
        return (int(self.x.shape[1]),)

    def size(self, partition: str) -> int:
        """Images in ``partition``."""
        return int(len(self.indices.get(partition, ())))

    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """Training reshuffled per epoch and cut; dev and test whole, in order."""
        ids = self.indices.get(partition, np.array([], dtype=np.int64))
        if len(ids) == 0:
            return
        step = len(ids)
        if partition == "training":
            ids = np.random.default_rng([self.seed, epoch]).permutation(ids)
            step = self.max_minibatch_size
        for index, start in enumerate(range(0, len(ids), step)):
            chunk = ids[start : start + step]
            yield Minibatch(self.x[chunk], self.y[chunk], index, [f"mix{i}" for i in chunk])
