"""Where one sample comes from: an image file, or a frame of a video file."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload


@dataclass(frozen=True)
class SampleSource:
    """One sample before decoding.

    Attributes:
        path: the image or video file.
        label: index of the sample's class (position in the sorted class names).
        frame_time: for a video frame, its time in seconds from the start; None for an image.
    """

    path: Path
    label: int
    frame_time: float | None = None

    @property
    def id(self) -> str:
        """Readable identifier: the path, with ``@<seconds>s`` for a video frame."""
        return sample_id(str(self.path), self.frame_time)


def sample_id(path: str, frame_time: float | None) -> str:
    """``path``, with ``@<seconds>s`` for a video frame (see :attr:`SampleSource.id`)."""
    return path if frame_time is None else f"{path}@{frame_time:g}s"


class SourceList(Sequence[SampleSource]):
    """A dataset's samples before decoding, held as plain strings and numbers.

    A loader's list goes wherever its trials run: to every Ray worker, unpickled there. As
    :class:`SampleSource` objects, 5,000 samples took 18-25 ms to unpickle (a ``Path`` each);
    as strings, well under 1 ms. Items are made when read.

    Args:
        sources: the samples, in order.
    """

    def __init__(self, sources: Iterable[SampleSource] = ()) -> None:
        items = list(sources)
        self.paths = [str(source.path) for source in items]
        self.labels = [source.label for source in items]
        self.frame_times = [source.frame_time for source in items]

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, index: int) -> SampleSource: ...

    @overload
    def __getitem__(self, index: slice) -> list[SampleSource]: ...

    def __getitem__(self, index: int | slice) -> SampleSource | list[SampleSource]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return SampleSource(Path(self.paths[index]), self.labels[index], self.frame_times[index])

    def id(self, index: int) -> str:
        """The :attr:`SampleSource.id` of item ``index``, without making the item."""
        return sample_id(self.paths[index], self.frame_times[index])
