"""What an imaging backend implements for the data loaders: decoding and the image transforms.

A backend (libvips in ``nnplug-vips``, ImageMagick in ``nnplug-magick``) implements each
operation natively on its own image type; the core chains them
(:class:`~nnplug.datasets.preprocessing.Preprocessing`,
:class:`~nnplug.datasets.augmentation.Augmentation`). Pixel values are 0..255 (floats allowed)
from decoding to :meth:`ImageTransforms.to_array`. Implementations must be picklable (they are
sent to worker processes) and every backend must give the same results within a small pixel
difference (the parity test in ``tests/datasets`` checks it).

The whole chain of one file goes through :meth:`ImageTransforms.read_preprocessed`: its default
runs the steps one by one, and a backend overrides it to plan the chain as its library works best
(libvips: shrink-on-load, many images resized in one call). :meth:`ImageTransforms.version` names everything that
changes the pixels, so the disk cache of preprocessed samples can tell when they are stale.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    from nnplug.datasets.preprocessing import Preprocessing

#: Difference from the background colour below which trim treats a pixel as border (0..255 scale).
TRIM_THRESHOLD: float = 10.0

#: Bumped whenever the shared definition of a transform changes the pixels (part of every disk cache key).
TRANSFORMS_VERSION: int = 2


def error_line(err: BaseException) -> str:
    """An exception as one short line (decoders' messages span lines)."""
    return " ".join(str(err).split())[:200] or type(err).__name__


def trim_box(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, width, height) of the pixels of (H, W, C) ``pixels`` that differ from
    pixel (0, 0) by more than :data:`TRIM_THRESHOLD` in some channel; None when there are none."""
    if pixels.shape[2] == 1:  # the common case of digits: two comparisons, no temporary float image
        corner = float(pixels[0, 0, 0])
        channel = pixels[:, :, 0]
        mask = (channel > corner + TRIM_THRESHOLD) | (channel < corner - TRIM_THRESHOLD)
    else:
        mask = (np.abs(pixels.astype(np.float32) - pixels[0, 0].astype(np.float32)) > TRIM_THRESHOLD).any(axis=2)
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) == 0:
        return None
    columns = np.flatnonzero(mask.any(axis=0))
    left, top = int(columns[0]), int(rows[0])
    return left, top, int(columns[-1]) - left + 1, int(rows[-1]) - top + 1


def padded_size(width: int, height: int, ratio: float) -> tuple[int, int]:
    """The smallest size holding ``width`` x ``height`` with the aspect ratio ``ratio`` (width / height)."""
    if width / height < ratio:
        return max(width, round(height * ratio)), height
    return width, max(height, round(width / ratio))


def trim_array(pixels: np.ndarray) -> np.ndarray:
    """:meth:`ImageTransforms.trim` on an (H, W, C) array: crop the border, pad centred with the
    corner colour back to the original aspect ratio (uniform images are returned unchanged)."""
    box = trim_box(pixels)
    if box is None:
        return pixels
    left, top, width, height = box
    out_width, out_height = padded_size(width, height, pixels.shape[1] / pixels.shape[0])
    if (out_width, out_height) == (width, height):
        return pixels[top : top + height, left : left + width]
    out = np.empty((out_height, out_width, pixels.shape[2]), dtype=pixels.dtype)
    out[:] = pixels[0, 0]
    x, y = (out_width - width) // 2, (out_height - height) // 2
    out[y : y + height, x : x + width] = pixels[top : top + height, left : left + width]
    return out


#: Rec. 709 luma weights of the grayscale transform, on the stored (sRGB) values.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def colour_array(pixels: np.ndarray, grayscale: bool) -> np.ndarray:
    """:meth:`ImageTransforms.grayscale` (luma, one channel) or :meth:`ImageTransforms.to_rgb` (three
    channels) on (H, W, C) pixels, or a batch of them (N, H, W, C), with C 1 or 3: float32 values."""
    values = pixels.astype(np.float32)
    if grayscale:
        return values if values.shape[-1] == 1 else (values[..., :3] @ LUMA_WEIGHTS)[..., None]
    return np.repeat(values, 3, axis=-1) if values.shape[-1] == 1 else values[..., :3]


def minmax_array(pixels: np.ndarray) -> np.ndarray:
    """:meth:`ImageTransforms.minmax_normalize` on float32 (H, W, C) values 0..255, or on each image of
    a batch (N, H, W, C); flat images are unchanged."""
    axes = (-3, -2, -1)
    low = pixels.min(axis=axes, keepdims=True).astype(np.float64)
    high = pixels.max(axis=axes, keepdims=True).astype(np.float64)
    spread = high > low
    scale = np.where(spread, 255 / np.where(spread, high - low, 1), 1).astype(np.float32)
    return (pixels - np.where(spread, low, 0).astype(np.float32)) * scale


def invert_array(pixels: np.ndarray) -> np.ndarray:
    """:meth:`ImageTransforms.adaptive_invert` on float32 (H, W, C) values 0..255, or on each image of a
    batch (N, H, W, C)."""
    dark = pixels[..., :1, :1, :].mean(axis=-1, keepdims=True) < 127.5
    return np.where(dark, np.float32(255) - pixels, pixels)


class ImageTransforms(ABC):
    """The image operations of one backend; ``Any`` below is the backend's own image type."""

    def version(self) -> str:
        """Everything about this backend that changes the pixels: its class, its library's version and
        the transforms' version. Backends add their library's version; part of every disk cache key."""
        return f"{type(self).__module__}.{type(self).__qualname__}; transforms {TRANSFORMS_VERSION}"

    def preprocess_files(self, paths: Sequence[Path], preprocessing: Preprocessing) -> list[np.ndarray | str]:
        """Decode each of ``paths`` and run ``preprocessing`` on it: float32 (H, W, C) values in 0..1,
        or, for a file that is not a readable image, one line saying why.

        This default chains the steps file by file (:meth:`Preprocessing.apply`); a backend may
        override it to plan the chain as a whole (decode at a reduced size, resize many images in
        one call) with the same results within the parity test's tolerance.
        """
        results: list[np.ndarray | str] = []
        for path in paths:
            try:
                results.append(preprocessing.apply(self, self.read(path)))
            except Exception as err:  # every backend has its own decoding errors
                results.append(error_line(err))
        return results

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
