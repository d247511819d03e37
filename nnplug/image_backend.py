"""The image backend plugin kind (entry-point group ``nnplug.image_backends``).

The few image operations that code outside the data loaders needs (inference, dumps): read a
file as RGB pixels, resize pixels, write a PNG. The data loaders' own transforms run natively
inside each backend and are not part of this interface.
"""
from __future__ import annotations

import os
from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from nnplug.errors import NnplugError
from nnplug.files import shown_name
from nnplug.plugin import Plugin


def cmyk_to_rgb(cmyk: np.ndarray) -> np.ndarray:
    """uint8 CMYK (H, W, 4) → uint8 RGB (H, W, 3) by the plain formula R = (255 - C) (255 - K) / 255, rounded.

    What Pillow's ``convert("RGB")`` does (and so U-2-Net's reference code and rembg): backends
    use it for CMYK files so that every backend gives the same pixels, whatever colour profile
    their library would otherwise apply.
    """
    cmyk = np.asarray(cmyk, dtype=np.uint32)
    remaining = 255 - cmyk[..., 3:4]
    product = cmyk[..., :3] * remaining + 128
    return (remaining - ((product >> 8) + product >> 8)).astype(np.uint8)


#: the largest image read, in pixels (width x height): larger files are skipped with a warning.
#: libvips has no limit of its own and ImageMagick's policy may be missing; a 1 MB PNG can
#: claim 20000x20000 pixels (several GB once decoded). Set ``NNPLUG_MAX_IMAGE_PIXELS`` to change it.
DEFAULT_MAX_IMAGE_PIXELS = 100_000_000


def max_image_pixels() -> int:
    """The pixel limit: ``NNPLUG_MAX_IMAGE_PIXELS`` when set (a positive integer), else the default."""
    text = os.environ.get("NNPLUG_MAX_IMAGE_PIXELS", "").strip()
    if not text:
        return DEFAULT_MAX_IMAGE_PIXELS
    if not text.isdigit() or int(text) <= 0:
        raise NnplugError(f"NNPLUG_MAX_IMAGE_PIXELS must be a positive integer, got {text!r}")
    return int(text)


def check_image_pixels(path: Path, width: int, height: int) -> None:
    """Refuse an image larger than :func:`max_image_pixels`, from its header, before it is decoded.

    Raises:
        NnplugError: the image is too large (readers skip it with a warning, like an unreadable file).
    """
    limit = max_image_pixels()
    if width * height > limit:
        raise NnplugError(
            f"image {shown_name(path)} is {width}x{height} pixels, more than the limit of {limit} (NNPLUG_MAX_IMAGE_PIXELS)"
        )


class ImageBackend(Plugin):
    """Reads, resizes and writes images with one imaging library (libvips, ImageMagick...)."""

    kind: ClassVar[str] = "image_backend"

    @abstractmethod
    def read_rgb(self, path: Path) -> np.ndarray:
        """Decode ``path`` as RGB: uint8 array (height, width, 3), turned upright as its EXIF orientation says;
        alpha is dropped; CMYK through :func:`cmyk_to_rgb`.

        Raises:
            NnplugError: the file cannot be read or is not an image (message names the file).
        """

    @abstractmethod
    def resize(self, pixels: np.ndarray, width: int, height: int) -> np.ndarray:
        """Resize an (H, W) or (H, W, C) array (uint8 or float) to (height, width[, C]), bilinear-like."""

    @abstractmethod
    def write_png(self, path: Path, pixels: np.ndarray) -> None:
        """Write uint8 (H, W), (H, W, 3) or (H, W, 4) pixels as a PNG file, atomically."""
