"""Preprocessed samples in memory: decoded and preprocessed once, on every core, kept across repeats
(and on disk across runs, see :mod:`nnplug.datasets.disk_cache`).

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

from nnplug.datasets.disk_cache import DiskCache, StoredSamples
from nnplug.datasets.image_transforms import ImageTransforms
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.datasets.sample_source import SampleSource
from nnplug.datasets.video import read_video_frames

LOG = logging.getLogger("nnplug.datasets")

#: Below this many samples the work is done in the calling thread (a pool costs more than it saves).
SERIAL_BELOW: int = 32


#: Most image files per task: a backend preprocesses a task's files together (libvips resizes
#: the small images of one size in one call), and tasks are spread over the workers.
FILES_PER_TASK: int = 256


@dataclass(frozen=True)
class DecodeTask:
    """Files to decode: image files, or the frames to take from one video.

    Attributes:
        paths: the files (one for a video).
        positions: where their samples go in the cache (one per image, one per video frame).
        frame_times: the video frame times, None for images.
    """

    paths: tuple[Path, ...]
    positions: tuple[int, ...]
    frame_times: tuple[float, ...] | None = None


def decode_tasks(sources: list[SampleSource], workers: int = 1) -> list[DecodeTask]:
    """Group ``sources`` into tasks: images in chunks (at least two per worker when there are enough),
    one task per video (all its frames decoded in one pass)."""
    images = [position for position, source in enumerate(sources) if source.frame_time is None]
    videos: dict[Path, list[int]] = {}
    for position, source in enumerate(sources):
        if source.frame_time is not None:
            videos.setdefault(source.path, []).append(position)
    size = max(1, min(FILES_PER_TASK, -(-len(images) // (2 * max(1, workers)))))
    tasks = [
        DecodeTask(tuple(sources[p].path for p in images[begin : begin + size]), tuple(images[begin : begin + size]))
        for begin in range(0, len(images), size)
    ]
    for path, positions in videos.items():
        tasks.append(DecodeTask((path,), tuple(positions), tuple(sources[p].frame_time or 0.0 for p in positions)))
    return tasks


def run_task(task: DecodeTask, preprocessing: Preprocessing, transforms: ImageTransforms) -> list[np.ndarray | str]:
    """Decode and preprocess one task's samples; an undecodable image gives the reason instead of pixels.

    Raises:
        NnplugError: a video cannot be decoded.
    """
    if task.frame_times is None:
        return transforms.preprocess_files(task.paths, preprocessing)
    frames = read_video_frames(task.paths[0], list(task.frame_times))
    return [preprocessing.apply(transforms, transforms.from_array(frame)) for frame in frames]


def identity(source: SampleSource, root: Path) -> str | None:
    """What the disk cache knows a sample by: its path relative to ``root``, the file's size and
    modification time, and the frame time of a video frame; None when the file cannot be examined."""
    text, prefix = str(source.path), str(root) + os.sep
    try:
        status = os.stat(text)
    except OSError:
        return None
    name = text[len(prefix) :] if text.startswith(prefix) else text
    return f"{name}\t{status.st_size}\t{status.st_mtime_ns}\t{'' if source.frame_time is None else repr(source.frame_time)}"


class SampleCache:
    """The preprocessed pixels of a dataset's samples, computed on first use.

    Samples found in the disk cache (when given) are not decoded; the others are decoded and
    preprocessed on every core, then the disk cache's entry is written again with them.

    Args:
        preprocessing: the deterministic transforms to apply.
        transforms: the backend that applies them.
        workers: threads decoding in parallel (0: one per core). The backends release the GIL
            while they decode and transform, so threads use every core.
        disk: the disk cache to read and update, or None.
        root: the dataset's folder (sample identities in the disk cache are relative to it).
    """

    def __init__(
        self, preprocessing: Preprocessing, transforms: ImageTransforms, workers: int = 0, disk: DiskCache | None = None, root: Path | None = None
    ) -> None:
        self.preprocessing = preprocessing
        self.transforms = transforms
        self.workers = workers or os.cpu_count() or 1
        self.disk = disk
        self.root = Path(root) if root is not None else Path(".")
        self.pixels: np.ndarray | None = None
        self.readable: np.ndarray | None = None
        #: samples decoded by the last :meth:`fill` (the others came from the disk cache).
        self.decoded = 0

    @property
    def filled(self) -> bool:
        """Whether the samples were already preprocessed."""
        return self.pixels is not None

    def disk_key(self) -> str:
        """The disk cache entry of this dataset and preprocessing."""
        return DiskCache.key(
            dataset=str(self.root.resolve()),
            preprocessing=self.preprocessing.key(),
            transforms=self.transforms.version(),
            shape=list(self.preprocessing.sample_shape),
        )

    def fill(self, sources: list[SampleSource]) -> None:
        """Preprocess every source into :attr:`pixels` (N, H, W, C) float32 in 0..1; :attr:`readable`
        marks the ones that decoded (the others are zeros, skipped with a warning)."""
        pixels = np.zeros((len(sources), *self.preprocessing.sample_shape), dtype=np.float32)
        readable = np.zeros(len(sources), dtype=bool)
        reasons: dict[int, str] = {}
        names = [identity(source, self.root) for source in sources] if self.disk is not None else [None] * len(sources)
        stored = self.disk.read(self.disk_key()) if self.disk is not None else None
        todo, hits, rows = [], [], []
        for position, name in enumerate(names):
            found = stored.index.get(name) if stored is not None and name is not None else None
            if found is None:
                todo.append(position)
            elif isinstance(found, str):
                reasons[position] = found
            else:
                hits.append(position)
                rows.append(found)
        if stored is not None and hits:
            pixels[hits] = stored.pixels[rows]
            readable[hits] = True
        tasks = decode_tasks([sources[position] for position in todo], self.workers)
        for task, results in zip(tasks, self._run(tasks)):
            for index, result in zip(task.positions, results):
                position = todo[index]
                if isinstance(result, str):
                    reasons[position] = result
                else:
                    pixels[position] = result
                    readable[position] = True
        for position, reason in sorted(reasons.items()):
            LOG.warning("skipping %s: not a readable image (%s)", sources[position].path, reason)
        self.pixels, self.readable, self.decoded = pixels, readable, len(todo)
        if self.disk is not None and (todo or stored is None):
            self._store(names, stored, reasons)

    def _store(self, names: list[str | None], stored: StoredSamples | None, reasons: dict[int, str]) -> None:
        """Write the entry again: these samples, and the earlier entry's samples of other files (another --filter-dataset)."""
        assert self.disk is not None and self.pixels is not None and self.readable is not None
        index: dict[str, int | str] = {}
        rows: list[np.ndarray] = []
        for position, name in enumerate(names):
            if name is None:
                continue
            if self.readable[position]:
                index[name] = len(rows)
                rows.append(self.pixels[position])
            elif position in reasons:
                index[name] = reasons[position]
        if stored is not None:
            files = {name.split("\t", 1)[0] for name in index}
            for name, row in stored.index.items():
                if name.split("\t", 1)[0] not in files:
                    index[name] = row if isinstance(row, str) else len(rows)
                    if not isinstance(row, str):
                        rows.append(stored.pixels[row])
        shape = (0, *self.preprocessing.sample_shape)
        about = {"dataset": str(self.root.resolve()), "preprocessing": self.preprocessing.key(), "transforms": self.transforms.version()}
        self.disk.write(self.disk_key(), StoredSamples(np.stack(rows) if rows else np.zeros(shape, dtype=np.float32), index, about))

    def _run(self, tasks: list[DecodeTask]):
        if self.workers <= 1 or len(tasks) < 2 or sum(len(task.positions) for task in tasks) < SERIAL_BELOW:
            return [run_task(task, self.preprocessing, self.transforms) for task in tasks]
        with ThreadPoolExecutor(self.workers, thread_name_prefix="nnplug-decode") as pool:
            return list(pool.map(lambda task: run_task(task, self.preprocessing, self.transforms), tasks))
