"""The image data loader every imaging backend shares: options, layers, partitions, batching.

A backend plugin (``Vips``, ``ImageMagick``...) subclasses :class:`ImageDataLoader` and only says
which :class:`~nnplug.datasets.image_transforms.ImageTransforms` to use. Minibatches are numpy
arrays for every engine: the trainer converts them with the model's engine, which picks the dtype.
"""
from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import ClassVar, Iterator

import numpy as np

from nnplug.data_loader import PARTITIONS, DataLoader, Minibatch, SampleIds
from nnplug.datasets.augmentation import Augmentation
from nnplug.datasets.clone import check_nbr_clones, clone_indices
from nnplug.datasets.disk_cache import DiskCache, default_folder, parse_size
from nnplug.datasets.image_transforms import ImageTransforms
from nnplug.datasets.index_filter import IndexFilter
from nnplug.datasets.labeled_files import LabeledFiles
from nnplug.datasets.minibatches import check_minibatch_size, cut_minibatches
from nnplug.datasets.one_hot import one_hot
from nnplug.datasets.partitioner import StratifiedPartitioner
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.datasets.sample_cache import SampleCache
from nnplug.datasets.sample_source import SourceList
from nnplug.datasets.shuffler import EpochShuffler
from nnplug.datasets.summary import partition_table
from nnplug.errors import NnplugError
from nnplug.image_backend import max_image_pixels


class ImageDataLoader(DataLoader):
    """Images (and video frames) from ``<datasets-path>/<dataset>/<class>/<file>``, one class per folder.

    The first ``load`` lists, filters, decodes and preprocesses every sample on every core and
    keeps the results in memory; each ``load`` (one per repeat) then partitions them with its
    seed. Training samples are cloned, augmented (rotation, noise) and shuffled anew every epoch.
    A file that is not a readable image is skipped with a warning naming it; an unreadable video,
    a missing or empty dataset folder, or a class folder without readable images stops with one
    line.

    Args:
        dataset: the dataset's folder name inside --datasets-path (one sub-folder of images per class).
        datasets_path: the folder holding the datasets.
        filter_dataset: keep only these samples: all, or 0-based positions and ranges in the sorted listing (1,3,5-8).
        partitions: share of each partition as JSON (training required; dev and test optional), positive and summing to 1; split per class, seeded by --dataset-seed.
        nbr_clones: copies of each training sample (each augmented differently).
        max_minibatch_size: largest training minibatch (dev and test are not split).
        resize: W,H size of every sample in pixels. Files at least twice as large are decoded at a reduced size (shrink-on-load: JPEG and WebP with libvips, JPEG with ImageMagick) unless --trim is on: trim finds the borders on the full-size pixels, so it prevents shrink-on-load.
        trim: remove borders of the top-left pixel's colour, then pad back to the aspect ratio with it.
        grayscale: one channel instead of three (luma).
        minmax_normalize: stretch each image to the full range of values.
        adaptive_invert: invert images whose top-left pixel is in the lower half of the range.
        rot_angle: rotate training samples by a random angle within ±rot_angle degrees each epoch (0: off).
        noise_intensity: add Gaussian noise of this standard deviation (0..1 scale) to training samples each epoch (0: off).
        flatten: give samples as vectors (C*H*W values, channel-major) instead of C,H,W arrays.
        video_slices_sec: seconds between the frames taken from a video file.
        workers: threads decoding and preprocessing the first epoch (0: one per core).
        cache: keep the preprocessed samples on disk, so that the next run with the same files and preprocessing decodes nothing (false: decode every run).
        cache_dir: the disk cache's folder (default: $XDG_CACHE_HOME/nnplug, else ~/.cache/nnplug); `nnplug cache` shows and clears it.
        cache_max_size: largest size of the disk cache (e.g. 2GB, 500MB); the least recently used datasets are removed first.
    """

    #: numpy minibatches, converted by the model's engine.
    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(
        self,
        dataset: str = "colors",
        datasets_path: Path = Path("datasets"),
        filter_dataset: str = "all",
        partitions: dict[str, float] = {"training": 0.7, "dev": 0.15, "test": 0.15},
        nbr_clones: int = 1,
        max_minibatch_size: int = 5000,
        resize: tuple[int, int] = (110, 110),
        trim: bool = False,
        grayscale: bool = False,
        minmax_normalize: bool = False,
        adaptive_invert: bool = False,
        rot_angle: float = 0.0,
        noise_intensity: float = 0.0,
        flatten: bool = True,
        video_slices_sec: float = 1.0,
        workers: int = 0,
        cache: bool = True,
        cache_dir: Path | None = None,
        cache_max_size: str = "2GB",
    ) -> None:
        if len(resize) != 2 or any(int(side) != side or side <= 0 for side in resize):
            raise NnplugError(f"--resize expects W,H as two positive integers, got {','.join(map(str, resize))}")
        if resize[0] * resize[1] > max_image_pixels():  # every sample is held in memory at that size
            raise NnplugError(f"--resize {resize[0]},{resize[1]} is larger than the image pixel limit ({max_image_pixels()}, NNPLUG_MAX_IMAGE_PIXELS)")
        for name, value in (("rot-angle", rot_angle), ("noise-intensity", noise_intensity), ("workers", workers)):
            if value < 0:
                raise NnplugError(f"--{name} must be 0 or more, got {value}")
        if not video_slices_sec > 0:
            raise NnplugError(f"--video-slices-sec must be positive, got {video_slices_sec}")
        self.dataset = dataset
        self.files = LabeledFiles(datasets_path, dataset, video_slices_sec)
        self.index_filter = IndexFilter(filter_dataset)
        self.partitioner = StratifiedPartitioner(dict(partitions))
        self.nbr_clones = check_nbr_clones(nbr_clones)
        self.max_minibatch_size = check_minibatch_size(max_minibatch_size)
        self.preprocessing = Preprocessing((int(resize[0]), int(resize[1])), trim, grayscale, minmax_normalize, adaptive_invert)
        self.augmentation = Augmentation(rot_angle, noise_intensity)
        self.flatten = flatten
        self.workers = workers
        self.disk_cache = DiskCache(cache_dir or default_folder(), parse_size(cache_max_size)) if cache else None
        self.transforms: ImageTransforms | None = None
        self.cache: SampleCache | None = None
        self.sources = SourceList()
        self.sample_labels = np.array([], dtype=np.int64)
        self.indices: dict[str, np.ndarray] = {}
        self.seed = 0

    @abstractmethod
    def make_transforms(self) -> ImageTransforms:
        """The backend's transforms (import the backend here, not at module level)."""

    def load(self, seed: int) -> None:
        """Read and preprocess the dataset the first time; partition it with ``seed`` every time."""
        if self.cache is None:
            self._read()
        self.seed = seed
        parts = self.partitioner.split(self.sample_labels, seed)
        parts["training"] = clone_indices(parts["training"], self.nbr_clones)
        self.indices = parts

    def _read(self) -> None:
        sources = self.index_filter.apply(self.files.scan())
        self.transforms = self.make_transforms()
        cache = SampleCache(self.preprocessing, self.transforms, self.workers, self.disk_cache, self.files.root)
        cache.fill(sources)
        assert cache.readable is not None and cache.pixels is not None
        labels = np.array([source.label for source in sources], dtype=np.int64)
        listed = np.bincount(labels, minlength=len(self.files.classes))
        readable = np.bincount(labels[cache.readable], minlength=len(self.files.classes))
        for label, name in enumerate(self.files.classes):
            if listed[label] and not readable[label]:
                raise NnplugError(f"class folder {self.files.root / name} has no readable images")
        keep = np.flatnonzero(cache.readable)
        if len(keep) < len(sources):
            cache.pixels = cache.pixels[keep]
        self.sources = SourceList(sources[i] for i in keep)
        self.sample_labels = np.array(self.sources.labels, dtype=np.int64)
        self.cache = cache

    @property
    def labels(self) -> list[str]:
        """Class names (the dataset's folder names, sorted)."""
        return list(self.files.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, rows, cols) of one sample as an image."""
        height, width, channels = self.preprocessing.sample_shape
        return (channels, height, width)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """``(C*H*W,)`` when flattened, ``(C, H, W)`` otherwise."""
        return (int(np.prod(self.image_shape)),) if self.flatten else self.image_shape

    def size(self, partition: str) -> int:
        """Samples in ``partition`` (training counts its clones)."""
        return int(len(self.indices.get(partition, ())))

    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """Training: shuffled and augmented per epoch, cut to --max-minibatch-size; dev and test: whole, in order.

        Samples are float32 numpy arrays in 0..1, targets float64 one-hot rows; the model's engine
        converts both (keeping their precision; models cast samples to their own dtype).
        """
        if partition not in PARTITIONS:
            raise ValueError(f"unknown partition {partition!r}")
        indices = self.indices.get(partition, np.array([], dtype=np.int64))
        if len(indices) == 0:
            return
        training = partition == "training"
        if training:
            indices = EpochShuffler(self.seed).order(indices, epoch)
        chunks = cut_minibatches(indices, self.max_minibatch_size) if training else [indices]
        for number, chunk in enumerate(chunks):
            yield self._minibatch(chunk, number, augment=training and self.augmentation.active, epoch=epoch)

    def _minibatch(self, chunk: np.ndarray, number: int, augment: bool, epoch: int) -> Minibatch:
        assert self.cache is not None and self.cache.pixels is not None and self.transforms is not None
        pixels = self.cache.pixels[chunk]
        if augment:
            pixels = self.augmentation.apply(self.transforms, pixels, (self.seed, epoch, number))
        x = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))  # (N, C, H, W)
        if self.flatten:
            x = x.reshape(len(chunk), -1)
        y = one_hot(self.sample_labels[chunk], len(self.labels))
        return Minibatch(x, y, number, SampleIds(chunk, self.sources.id))

    def summary(self) -> str:
        """Samples per label and partition, and the image size (rows x cols x channels)."""
        channels, rows, cols = self.image_shape
        counts = {name: np.bincount(self.sample_labels[ids], minlength=len(self.labels)) for name, ids in self.indices.items()}
        title = (
            f"Dataset {self.dataset} ({self.files.root}): {len(self.sources)} samples, {len(self.labels)} classes, "
            f"image size {rows} x {cols} x {channels} (rows x cols x channels)"
        )
        return title + "\n" + partition_table(self.labels, counts)
