"""The data loader plugin kind (entry-point group ``nnplug.data_loaders``)."""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterator, overload

from nnplug.plugin import Plugin

#: Partition names, in the order they are reported.
PARTITIONS: tuple[str, ...] = ("training", "dev", "test")


class SampleIds(Sequence[str]):
    """The identifiers of a minibatch's samples, each made only when it is read.

    Nothing in training reads them (dumps and contract checks do), and making them eagerly was a
    tenth of an epoch of a small model: a string per sample per minibatch.

    Args:
        rows: the samples' positions in the dataset.
        name: the identifier of the sample at a position (e.g. its file path).
    """

    def __init__(self, rows: Sequence[int], name: Callable[[int], str]) -> None:
        self.rows = rows
        self.name = name

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self.name(int(row)) for row in self.rows[index]]
        return self.name(int(self.rows[index]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"SampleIds({list(self)!r})"


@dataclass
class Minibatch:
    """A group of samples fed to a model in one step.

    Attributes:
        x: the inputs, first axis is the sample: a numpy array as data loaders give it, in the
            model's engine once the trainer has converted it (``RepeatContext.engine``).
        y: the targets, first axis is the sample (one-hot rows for classification), like ``x``.
        index: position of this minibatch in its epoch (0-based).
        ids: identifiers of the samples (e.g. file paths), for dumps and reports: a list, or a
            :class:`SampleIds` that makes each when read.
    """

    x: Any
    y: Any
    index: int = 0
    ids: Sequence[str] | None = None

    @property
    def size(self) -> int:
        """Number of samples in the minibatch."""
        return int(self.x.shape[0])


class DataLoader(Plugin):
    """Gives the partitions (training, dev, test) of a labeled dataset as minibatches.

    Life cycle, driven by the trainer for each experiment repeat:
    ``load(seed)`` once (partition, preprocess, cache), then for every epoch
    ``minibatches("dev", epoch)`` and ``minibatches("training", epoch)``.
    """

    kind: ClassVar[str] = "data_loader"
    #: The range sample values lie in (contract checks verify it); None: unbounded (standardized features).
    sample_range: ClassVar[tuple[float, float] | None] = (0.0, 1.0)

    @abstractmethod
    def load(self, seed: int) -> None:
        """Partition the dataset with ``seed`` and prepare the samples (called once per repeat)."""

    @property
    @abstractmethod
    def labels(self) -> list[str]:
        """Class names, in the order of the one-hot columns."""

    @property
    @abstractmethod
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample as models receive it (``(784,)`` flattened, ``(C, H, W)`` otherwise)."""

    @abstractmethod
    def size(self, partition: str) -> int:
        """Number of samples in ``partition`` (one of :data:`PARTITIONS`)."""

    @abstractmethod
    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """Yield the minibatches of ``partition`` for ``epoch``.

        The training partition is shuffled (and augmented) per epoch, seeded from the load seed
        and the epoch number, so runs are reproducible; dev and test come as one minibatch each
        in a fixed order.
        """

    def summary(self) -> str:
        """A table of samples per label and partition, and the sample size; printed at load."""
        return ""
