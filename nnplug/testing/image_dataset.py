"""Tiny labeled image datasets generated on the fly, for data loader checks and end-to-end tests.

PNG files are written with :mod:`zlib` alone, so the checks need no imaging library of their
own (the loaders under test bring theirs).
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from nnplug.files import write_atomically

#: the default classes: pure colours a loader must tell apart.
COLOURS: dict[str, tuple[int, int, int]] = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220)}


def write_png(path: Path, pixels: np.ndarray) -> None:
    """Write uint8 RGB pixels (height, width, 3) as a PNG file, atomically."""
    height, width, channels = pixels.shape
    if channels != 3 or pixels.dtype != np.uint8:
        raise ValueError("write_png expects uint8 RGB pixels (height, width, 3)")
    rows = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    write_atomically(path, lambda stream: stream.write(data), binary=True)


def make_image_dataset(
    root: Path,
    name: str = "tiny",
    per_class: int = 8,
    size: tuple[int, int] = (8, 8),
    colours: dict[str, tuple[int, int, int]] | None = None,
    seed: int = 0,
) -> Path:
    """Write ``root/name/<class>/<class>_<i>.png``: noisy images of one colour per class.

    Args:
        root: the datasets folder (what loaders take as ``datasets_path``).
        name: the dataset's folder name (what loaders take as ``dataset``).
        per_class: images per class.
        size: (width, height) of every image.
        colours: class name → RGB colour (default: red, green, blue).
        seed: seed of the pixel noise.

    Returns:
        The dataset folder.
    """
    rng = np.random.default_rng(seed)
    folder = Path(root) / name
    width, height = size
    for label, colour in (colours or COLOURS).items():
        (folder / label).mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            noise = rng.integers(-25, 26, size=(height, width, 3))
            pixels = np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8)
            write_png(folder / label / f"{label}_{index}.png", pixels)
    return folder
