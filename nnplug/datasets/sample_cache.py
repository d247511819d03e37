"""Preprocessed samples in memory: decoded and preprocessed once, on every core, kept across repeats.

Bad files: an image file that cannot be decoded (corrupt, or not an image at all, like a stray
text file) is skipped with a warning naming the file; a video that cannot be decoded is an error
(one line). A class left with no readable image is an error too.
"""
from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnplug.datasets.image_transforms import ImageTransforms
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.datasets.sample_source import SampleSource
from nnplug.datasets.video import read_video_frames

LOG = logging.getLogger("nnplug.datasets")

#: Below this many samples the work is done in the calling thread (a pool costs more than it saves).
SERIAL_BELOW: int = 32


@dataclass(frozen=True)
class DecodeTask:
    """One file to decode: an image, or the frames to take from a video.

    Attributes:
        path: the file.
        positions: where its samples go in the cache (one for an image, one per frame).
        frame_times: the video frame times, None for an image.
    """

    path: Path
    positions: tuple[int, ...]
    frame_times: tuple[float, ...] | None = None


def decode_tasks(sources: list[SampleSource]) -> list[DecodeTask]:
    """Group ``sources`` by file: one task per image, one per video (all its frames decoded in one pass)."""
    tasks: list[DecodeTask] = []
    videos: dict[Path, list[int]] = {}
    for position, source in enumerate(sources):
        if source.frame_time is None:
            tasks.append(DecodeTask(source.path, (position,)))
        else:
            videos.setdefault(source.path, []).append(position)
    for path, positions in videos.items():
        tasks.append(DecodeTask(path, tuple(positions), tuple(sources[p].frame_time or 0.0 for p in positions)))
    return tasks


def run_task(task: DecodeTask, preprocessing: Preprocessing, transforms: ImageTransforms) -> list[np.ndarray | str]:
    """Decode and preprocess one task's samples; an undecodable image gives the reason instead of pixels.

    Raises:
        NnplugError: a video cannot be decoded.
    """
    if task.frame_times is None:
        try:
            image = transforms.read(task.path)
            return [preprocessing.apply(transforms, image)]
        except Exception as err:  # every backend has its own decoding errors
            return [" ".join(str(err).split())[:200] or type(err).__name__]
    frames = read_video_frames(task.path, list(task.frame_times))
    return [preprocessing.apply(transforms, transforms.from_array(frame)) for frame in frames]


class SampleCache:
    """The preprocessed pixels of a dataset's samples, computed on first use.

    Args:
        preprocessing: the deterministic transforms to apply.
        transforms: the backend that applies them.
        workers: threads decoding in parallel (0: one per core). The backends release the GIL
            while they decode and transform, so threads use every core.
    """

    def __init__(self, preprocessing: Preprocessing, transforms: ImageTransforms, workers: int = 0) -> None:
        self.preprocessing = preprocessing
        self.transforms = transforms
        self.workers = workers or os.cpu_count() or 1
        self.pixels: np.ndarray | None = None
        self.readable: np.ndarray | None = None

    @property
    def filled(self) -> bool:
        """Whether the samples were already preprocessed."""
        return self.pixels is not None

    def fill(self, sources: list[SampleSource]) -> None:
        """Preprocess every source into :attr:`pixels` (N, H, W, C) float32 in 0..1; :attr:`readable`
        marks the ones that decoded (the others are zeros, skipped with a warning)."""
        pixels = np.zeros((len(sources), *self.preprocessing.sample_shape), dtype=np.float32)
        readable = np.zeros(len(sources), dtype=bool)
        tasks = decode_tasks(sources)
        for task, results in zip(tasks, self._run(tasks)):
            for position, result in zip(task.positions, results):
                if isinstance(result, str):
                    LOG.warning("skipping %s: not a readable image (%s)", task.path, result)
                else:
                    pixels[position] = result
                    readable[position] = True
        self.pixels, self.readable = pixels, readable

    def _run(self, tasks: list[DecodeTask]):
        if self.workers <= 1 or len(tasks) < SERIAL_BELOW:
            return [run_task(task, self.preprocessing, self.transforms) for task in tasks]
        with ThreadPoolExecutor(self.workers, thread_name_prefix="nnplug-decode") as pool:
            return list(pool.map(lambda task: run_task(task, self.preprocessing, self.transforms), tasks))
