"""The first layer: the files of ``<datasets-path>/<dataset>/<class>/<file>``, labeled by folder."""
from __future__ import annotations

import os
from pathlib import Path

from nnplug.datasets.sample_source import SampleSource
from nnplug.datasets.video import is_video, video_frame_times
from nnplug.errors import NnplugError


class LabeledFiles:
    """Lists a dataset's samples: every file of every class folder, videos sliced into frames.

    Class names are the folder names, sorted; files are sorted by name inside each class. Hidden
    files (starting with ``.``) are ignored. Whether a file really is an image is found out when
    it is decoded (see :class:`~nnplug.datasets.sample_cache.SampleCache`).

    Args:
        datasets_path: the folder holding the datasets.
        dataset: the dataset's folder name inside ``datasets_path``.
        video_slices_sec: seconds between the frames taken from a video.
    """

    def __init__(self, datasets_path: Path, dataset: str, video_slices_sec: float = 1.0) -> None:
        self.root = Path(datasets_path) / dataset
        self.video_slices_sec = video_slices_sec
        self.classes: list[str] = []

    def scan(self) -> list[SampleSource]:
        """Find the classes (stored in :attr:`classes`) and return the samples.

        Raises:
            NnplugError: the dataset folder is missing or has no class folder, a class folder
                has no file, or a video cannot be read.
        """
        if not self.root.is_dir():
            raise NnplugError(f"dataset directory {self.root} does not exist{self._available()}")
        folders = sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not folders:
            raise NnplugError(f"dataset directory {self.root} is empty: expected one folder of images per class")
        self.classes = [folder.name for folder in folders]
        sources: list[SampleSource] = []
        for label, folder in enumerate(folders):
            # scandir: the file type comes with the listing (no stat per file), names sort as strings
            with os.scandir(folder) as entries:
                files = [Path(e.path) for e in sorted(entries, key=lambda e: e.name) if not e.name.startswith(".") and e.is_file()]
            if not files:
                raise NnplugError(f"class folder {folder} has no images")
            for path in files:
                if is_video(path):
                    sources.extend(SampleSource(path, label, t) for t in video_frame_times(path, self.video_slices_sec))
                else:
                    sources.append(SampleSource(path, label))
        return sources

    def _available(self) -> str:
        parent = self.root.parent
        if not parent.is_dir():
            return f" (nor does {parent})"
        names = sorted(p.name for p in parent.iterdir() if p.is_dir() and not p.name.startswith("."))
        shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
        return f" (datasets in {parent}: {shown})" if names else ""
