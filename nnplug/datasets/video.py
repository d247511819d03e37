"""Video files as samples: one frame every ``--video-slices-sec`` seconds, decoded with PyAV.

PyAV is imported only when a dataset holds videos.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nnplug.errors import NnplugError

#: File extensions read as videos (lower case); every other file is read as an image.
VIDEO_EXTENSIONS: frozenset[str] = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ogv", ".flv", ".wmv"})


def is_video(path: Path) -> bool:
    """Whether ``path`` is read as a video (by its extension)."""
    return path.suffix.lower() in VIDEO_EXTENSIONS


def video_frame_times(path: Path, every_sec: float) -> list[float]:
    """Times (seconds) of the frames to take from ``path``: 0, every_sec, 2*every_sec... before its end.

    Raises:
        NnplugError: the file cannot be opened as a video or has no video stream.
    """
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise NnplugError(f"cannot read video {path}: it has no video stream")
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = sum(frame.time is not None for frame in container.decode(stream)) / float(stream.average_rate or 1)
    except NnplugError:
        raise
    except Exception as err:  # PyAV raises many error types for broken files
        raise NnplugError(f"cannot read video {path}: {_reason(err)}") from None
    count = max(1, int(np.ceil(duration / every_sec - 1e-9)))
    return [round(i * every_sec, 6) for i in range(count)]


def read_video_frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """Decode ``path`` once and return the RGB frame (uint8, H x W x 3) shown at each of ``times``.

    The frame shown at time t is the last one starting at or before t; times beyond the end get
    the last frame.

    Raises:
        NnplugError: the video cannot be decoded.
    """
    import av

    wanted = sorted(range(len(times)), key=lambda i: times[i])
    frames: list[np.ndarray | None] = [None] * len(times)
    position = 0
    previous = None
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                start = frame.time if frame.time is not None else 0.0
                while position < len(wanted) and previous is not None and start > times[wanted[position]] + 1e-6:
                    frames[wanted[position]] = previous
                    position += 1
                if position == len(wanted):
                    break
                previous = frame.to_ndarray(format="rgb24")
    except Exception as err:
        raise NnplugError(f"cannot read video {path}: {_reason(err)}") from None
    if previous is None:
        raise NnplugError(f"cannot read video {path}: no frame could be decoded")
    for index in wanted[position:]:
        frames[index] = previous
    return [frame for frame in frames if frame is not None]


def _reason(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__
