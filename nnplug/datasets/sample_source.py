"""Where one sample comes from: an image file, or a frame of a video file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        return str(self.path) if self.frame_time is None else f"{self.path}@{self.frame_time:g}s"
