"""A data loader over arrays already in memory: for tests, benchmarks and notebooks.

It is not registered as an entry point (it has no files to read); add it to a registry with
``Registry.add("data_loader", "Arrays", ArrayDataLoader)`` or pass it to the trainer directly.
"""
from __future__ import annotations

from typing import Iterator, ClassVar

import numpy as np

from nnplug.data_loader import DataLoader, Minibatch, SampleIds
from nnplug.datasets.minibatches import check_minibatch_size


class ArrayDataLoader(DataLoader):
    """Partitions in-memory samples (stratified), shuffles training per epoch, cuts minibatches.

    Args:
        x: samples, first axis is the sample.
        labels: class index of every sample.
        class_names: names of the classes (default "0", "1"...).
        partitions: share of each partition (training, dev, test), summing to 1.
        max_minibatch_size: largest training minibatch; dev and test come whole.
        dtype: numpy dtype of the samples handed to models.
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(
        self,
        x: np.ndarray,
        labels: np.ndarray,
        class_names: list[str] | None = None,
        partitions: dict[str, float] | None = None,
        max_minibatch_size: int = 5000,
        dtype: str = "float64",
    ) -> None:
        self.x = np.asarray(x, dtype=dtype)
        self.y_index = np.asarray(labels, dtype=np.int64)
        self.class_names = class_names or [str(i) for i in range(int(self.y_index.max()) + 1)]
        self.shares = partitions or {"training": 0.7, "dev": 0.15, "test": 0.15}
        self.max_minibatch_size = check_minibatch_size(max_minibatch_size)
        self.indices: dict[str, np.ndarray] = {}
        self.seed = 0

    def load(self, seed: int) -> None:
        """Split the samples per class with ``seed``."""
        self.seed = seed
        rng = np.random.default_rng(seed)
        parts: dict[str, list[int]] = {name: [] for name in self.shares}
        for label in range(len(self.class_names)):
            members = rng.permutation(np.flatnonzero(self.y_index == label))
            bounds = np.cumsum([round(share * len(members)) for share in self.shares.values()])
            bounds[-1] = len(members)
            start = 0
            for name, end in zip(self.shares, bounds):
                parts[name].extend(members[start:end].tolist())
                start = end
        self.indices = {name: np.array(sorted(ids), dtype=np.int64) for name, ids in parts.items()}

    @property
    def labels(self) -> list[str]:
        """Class names."""
        return list(self.class_names)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample."""
        return tuple(self.x.shape[1:])

    def size(self, partition: str) -> int:
        """Samples in ``partition``."""
        return int(len(self.indices.get(partition, ())))

    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """Training shuffled per epoch and cut; dev and test whole, in order."""
        ids = self.indices.get(partition, np.array([], dtype=np.int64))
        if len(ids) == 0:
            return
        if partition == "training":
            ids = np.random.default_rng([self.seed, epoch]).permutation(ids)
            size = self.max_minibatch_size
        else:
            size = len(ids)
        eye = np.eye(len(self.class_names), dtype=self.x.dtype)
        for index, start in enumerate(range(0, len(ids), size)):
            chunk = ids[start : start + size]
            yield Minibatch(self.x[chunk], eye[self.y_index[chunk]], index, SampleIds(chunk, str))
