"""The image backend plugin kind (entry-point group ``nnplug.image_backends``).

The few image operations that code outside the data loaders needs (inference, dumps): read a
file as RGB pixels, resize pixels, write a PNG. The data loaders' own transforms run natively
inside each backend and are not part of this interface.
"""
from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from nnplug.plugin import Plugin


class ImageBackend(Plugin):
    """Reads, resizes and writes images with one imaging library (libvips, ImageMagick...)."""

    kind: ClassVar[str] = "image_backend"

    @abstractmethod
    def read_rgb(self, path: Path) -> np.ndarray:
        """Decode ``path`` as RGB: uint8 array (height, width, 3); alpha is dropped.

        Raises:
            NnplugError: the file cannot be read or is not an image (message names the file).
        """

    @abstractmethod
    def resize(self, pixels: np.ndarray, width: int, height: int) -> np.ndarray:
        """Resize an (H, W) or (H, W, C) array (uint8 or float) to (height, width[, C]), bilinear-like."""

    @abstractmethod
    def write_png(self, path: Path, pixels: np.ndarray) -> None:
        """Write uint8 (H, W), (H, W, 3) or (H, W, 4) pixels as a PNG file, atomically."""
