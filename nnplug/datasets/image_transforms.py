"""What an imaging backend implements for the data loaders: decoding and the image transforms.

A backend (libvips in ``nnplug-vips``, ImageMagick in ``nnplug-magick``) implements each
operation natively on its own image type; the core chains them
(:class:`~nnplug.datasets.preprocessing.Preprocessing`,
:class:`~nnplug.datasets.augmentation.Augmentation`). Pixel values are 0..255 (floats allowed)
from decoding to :meth:`ImageTransforms.to_array`. Implementations must be picklable (they are
sent to worker processes) and every backend must give the same results within a small pixel
difference (the parity test in ``tests/datasets`` checks it).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

#: Difference from the background colour below which trim treats a pixel as border (0..255 scale).
TRIM_THRESHOLD: float = 10.0


class ImageTransforms(ABC):
    """The image operations of one backend; ``Any`` below is the backend's own image type."""

    @abstractmethod
    def read(self, path: Path) -> Any:
        """Decode an image file (pixels ready to read). Raise any exception if it is not a readable image."""

    @abstractmethod
    def from_array(self, pixels: np.ndarray) -> Any:
        """An image from an (H, W, C) array, uint8 or float32 values in 0..255."""

    @abstractmethod
    def to_array(self, image: Any) -> np.ndarray:
        """The pixels as a float32 (H, W, C) array, values in 0..255."""

    @abstractmethod
    def remove_alpha(self, image: Any) -> Any:
        """Flatten an alpha channel onto black (images without alpha are returned unchanged)."""

    @abstractmethod
    def trim(self, image: Any) -> Any:
        """Remove the borders of the colour of pixel (0, 0) (within :data:`TRIM_THRESHOLD`), then pad
        the remaining area, centred, with that colour back to the original aspect ratio."""

    @abstractmethod
    def resize(self, image: Any, width: int, height: int) -> Any:
        """Resize to exactly ``width`` x ``height`` (aspect ratio not kept), Lanczos-like filter."""

    @abstractmethod
    def grayscale(self, image: Any) -> Any:
        """One channel: luma 0.2126 R + 0.7152 G + 0.0722 B of the stored (sRGB) values."""

    @abstractmethod
    def to_rgb(self, image: Any) -> Any:
        """Three channels (a one-channel image is repeated); used when grayscale is off."""

    @abstractmethod
    def minmax_normalize(self, image: Any) -> Any:
        """Stretch values linearly so the image's minimum becomes 0 and maximum 255 (flat images unchanged)."""

    @abstractmethod
    def adaptive_invert(self, image: Any) -> Any:
        """Invert (255 - v) when pixel (0, 0), averaged over channels, is below 127.5."""

    @abstractmethod
    def rotate(self, image: Any, angle: float) -> Any:
        """Rotate by ``angle`` degrees (counter-clockwise) around the centre, filling with the colour of
        pixel (0, 0), then crop the centre back to the original size."""

    @abstractmethod
    def add_noise(self, image: Any, sigma: float, seed: int) -> Any:
        """Add Gaussian noise of standard deviation ``sigma`` (0..255 scale), seeded, clipped to 0..255."""
