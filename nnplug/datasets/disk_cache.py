"""Preprocessed samples kept on disk between runs, so that a second run decodes nothing.

One entry per dataset and preprocessing: a ``.npz`` file holding the float32 pixels of every
sample and a JSON index saying, for each sample's identity (path relative to the dataset, size,
modification time, video frame time), its row or why it is not a readable image. The entry's
name is a hash of everything that changes the pixels: the dataset folder, the preprocessing
options and the backend's :meth:`~nnplug.datasets.image_transforms.ImageTransforms.version`
(library version and transforms version). A file that changed has another identity, so it is
decoded again; an option or library that changed gives another entry.

Why numpy files and not a key-value store (diskcache, SQLite): a dataset is read whole, so one
file per dataset read in one call is the fastest way back to the (N, H, W, C) array the loader
keeps in memory, with no new dependency. Writes go to a temporary file renamed over the entry
(:func:`nnplug.runs.write_atomically`), so two runs at once each leave a whole entry (the last
one wins); the index holds a checksum of the pixels, so a truncated or corrupt entry is found,
warned about and rebuilt (numpy's zip reader also checks each member's CRC). The folder is bounded: after a write, the entries least recently used
are removed until the total fits ``max_bytes``.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnplug.errors import NnplugError
from nnplug.files import check_writable, shown_name

LOG = logging.getLogger("nnplug.datasets")

#: Version of the entry format (part of every key).
FORMAT = 2
SUFFIX = ".samples.npz"
_UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9, "T": 10**12, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(text: str, option: str = "--cache-max-size") -> int:
    """Bytes in a size such as ``2GB``, ``500MB``, ``1.5GiB`` or ``1000000``.

    Raises:
        NnplugError: ``text`` is not a size (one line naming ``option``).
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*", str(text))
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _UNITS:
        raise NnplugError(f"{option} expects a size such as 2GB, 500MB or 1.5GiB, got {text!r}")
    return int(float(match.group(1)) * _UNITS[unit])


def default_folder() -> Path:
    """``$XDG_CACHE_HOME/nnplug`` (``~/.cache/nnplug`` when the variable is unset or empty)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nnplug"


@dataclass
class StoredSamples:
    """A dataset's preprocessed samples as stored in one entry.

    Attributes:
        pixels: float32 (rows, H, W, C) values of the readable samples.
        index: sample identity → its row in ``pixels``, or why it is not a readable image.
        about: what the entry holds, for people (dataset folder, options, backend): `nnplug cache` shows it.
    """

    pixels: np.ndarray
    index: dict[str, int | str] = field(default_factory=dict)
    about: dict[str, object] = field(default_factory=dict)


class DiskCache:
    """A folder of preprocessed datasets, bounded in size.

    Args:
        folder: where the entries live (created when first written).
        max_bytes: largest total size of the entries; the least recently used go first.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.writable = True
        try:  # before any image is decoded: a real probe (a full disk, a file in the way, read-only)
            check_writable(self.folder)
        except OSError as err:
            self.writable = False
            LOG.warning("the sample cache folder %s is not writable (%s): running without the cache", shown_name(self.folder), err.strerror or err)

    @staticmethod
    def key(**parts: object) -> str:
        """The entry name for everything that changes the pixels (JSON-serialisable ``parts``)."""
        text = json.dumps({"format": FORMAT, **parts}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        """The entry file of ``key``."""
        return self.folder / f"{key}{SUFFIX}"

    def read(self, key: str) -> StoredSamples | None:
        """The entry of ``key``, or None when there is none or it is damaged (a warning, and it is removed)."""
        path = self.path(key)
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["index"]).decode())
                pixels = data["pixels"]
            if header.get("checksum") != checksum(pixels):
                raise ValueError("its checksum does not match its pixels")
            index = header["samples"]
            if not isinstance(index, dict) or any(isinstance(row, int) and not 0 <= row < len(pixels) for row in index.values()):
                raise ValueError("its index does not match its pixels")
        except (FileNotFoundError, NotADirectoryError):
            return None  # no entry (or no folder: writing it says why)
        except (PermissionError, IsADirectoryError) as err:
            LOG.warning("cannot read the sample cache entry %s (%s): decoding the images", path, err.strerror)
            return None
        except Exception as err:  # a truncated or corrupt file: zip, npy and JSON errors alike
            LOG.warning("sample cache entry %s is damaged (%s): decoding the images again", path, " ".join(str(err).split())[:160])
            self._remove(path)
            return None
        self._touch(path)
        return StoredSamples(pixels, index, header.get("about", {}))

    def write(self, key: str, samples: StoredSamples) -> bool:
        """Store ``samples`` as the entry of ``key`` atomically, then bring the folder back under its bound.

        Returns whether it was stored. A folder that cannot be written is a warning (once) and no entry;
        an entry larger than the bound is not stored (a warning).
        """
        from nnplug.files import write_atomically

        if not self.writable:
            return False
        size = samples.pixels.nbytes
        if size > self.max_bytes:
            LOG.warning(
                "the preprocessed samples (%s) exceed --cache-max-size (%s): not cached", human_size(size), human_size(self.max_bytes)
            )
            return False
        header = json.dumps({"checksum": checksum(samples.pixels), "samples": samples.index, "about": samples.about}, default=str).encode()
        try:
            write_atomically(
                self.path(key),
                lambda handle: np.savez(handle, pixels=samples.pixels, index=np.frombuffer(header, dtype=np.uint8)),
                binary=True,
            )
        except OSError as err:
            self.writable = False
            LOG.warning("the sample cache folder %s is not writable (%s): running without the cache", self.folder, err.strerror or err)
            return False
        self._touch(self.path(key))
        self.evict(keep=self.path(key))
        return True

    def entries(self) -> list[Path]:
        """The entry files, least recently used first."""
        try:
            found = [(path.stat().st_mtime_ns, path) for path in self.folder.glob(f"*{SUFFIX}")]
        except OSError:
            return []
        return [path for _, path in sorted(found)]

    @staticmethod
    def describe(path: Path) -> dict[str, object]:
        """What an entry holds (its ``about``, and ``samples``), read without its pixels; empty if unreadable."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["index"]).decode())
            return {**header.get("about", {}), "samples": len(header.get("samples", {}))}
        except Exception:  # damaged entries are reported as such by the caller
            return {}

    def size(self) -> int:
        """Total bytes of the entries."""
        return sum(_size(path) for path in self.entries())

    def evict(self, keep: Path | None = None) -> None:
        """Remove the least recently used entries (never ``keep``) until the total fits the bound."""
        entries = self.entries()
        total = sum(_size(path) for path in entries)
        for path in entries:
            if total <= self.max_bytes:
                break
            if path != keep:
                total -= _size(path)
                self._remove(path)

    def clear(self) -> int:
        """Remove every entry (and leftover temporary files); return how many entries there were."""
        entries = self.entries()
        for path in entries:
            self._remove(path)
        for leftover in self.folder.glob(f".*{SUFFIX}.*.tmp"):
            self._remove(leftover)
        return len(entries)

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass

    @staticmethod
    def _touch(path: Path) -> None:
        # The clock's nanoseconds, not the kernel's file timestamps (a few milliseconds apart):
        # entries used in quick succession keep their order of use.
        now = time.time_ns()
        try:
            os.utime(path, ns=(now, now))
        except OSError:
            pass


def checksum(pixels: np.ndarray) -> str:
    """The array's shape, type and the CRC-32 of its bytes (4 ms for 5,000 digits: a hash such as
    BLAKE2 costs 17 ms, a sizeable share of a second run's data preparation)."""
    return f"{pixels.shape}/{pixels.dtype}/{zlib.crc32(np.ascontiguousarray(pixels).data):08x}"


def human_size(size: int) -> str:
    """``size`` bytes as a short text (kB, MB, GB: powers of 1000, as --cache-max-size reads them)."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
