"""The data loaders' image transforms on libvips (pyvips)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyvips

from nnplug.datasets.image_transforms import TRIM_THRESHOLD, ImageTransforms

#: Luma weights of :meth:`VipsTransforms.grayscale` (Rec. 709 on the stored values).
LUMA = [[0.2126, 0.7152, 0.0722]]


def _top_left(image: pyvips.Image) -> list[float]:
    """The values of pixel (0, 0) (a one-pixel crop to numpy costs less than ``getpoint``)."""
    return [float(v) for v in image.crop(0, 0, 1, 1).numpy().ravel()]


def _pixels(image: pyvips.Image) -> tuple[pyvips.Image, np.ndarray]:
    """Evaluate ``image`` once: its (H, W, C) pixels, and an in-memory image over them to go on from.

    libvips pays a fixed cost per evaluation (0.1-0.2 ms here) whatever the image size; on the
    small images of training sets that cost dominates, so the transforms that need statistics
    (trim's bounding box, min-max) read the pixels once and compute them with numpy on the array,
    and the following operations start from memory instead of evaluating the pipeline again.
    """
    pixels = image.numpy()
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return pyvips.Image.new_from_array(pixels, interpretation=image.interpretation), pixels


class VipsTransforms(ImageTransforms):
    """Each transform is one or two libvips operations on a ``pyvips.Image`` (statistics on its pixels)."""

    def read(self, path: Path) -> pyvips.Image:
        """Decode ``path`` fully (truncated or corrupt files raise ``pyvips.Error``)."""
        return pyvips.Image.new_from_file(str(path), fail_on="warning", revalidate=True).copy_memory()

    def from_array(self, pixels: np.ndarray) -> pyvips.Image:
        """Wrap an (H, W, C) array."""
        return pyvips.Image.new_from_array(np.ascontiguousarray(pixels))

    def to_array(self, image: pyvips.Image) -> np.ndarray:
        """Float32 (H, W, C)."""
        pixels = image.numpy()
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        return pixels.astype(np.float32, copy=False)

    def remove_alpha(self, image: pyvips.Image) -> pyvips.Image:
        """Flatten alpha onto black."""
        return image.flatten(background=[0]) if image.hasalpha() else image

    def trim(self, image: pyvips.Image) -> pyvips.Image:
        """Crop the borders of pixel (0, 0)'s colour, then pad with it back to the aspect ratio."""
        # find_trim median-filters first (it drops thin strokes, and costs twice as much on small
        # images): threshold the difference to the corner colour instead, as ImageMagick's trim does.
        image, pixels = _pixels(image)
        background = [float(v) for v in pixels[0, 0]]
        mask = (np.abs(pixels.astype(np.float32) - pixels[0, 0].astype(np.float32)) > TRIM_THRESHOLD).any(axis=2)
        used_columns, used_rows = np.flatnonzero(mask.any(axis=0)), np.flatnonzero(mask.any(axis=1))
        if len(used_columns) == 0:
            return image
        left, top = int(used_columns[0]), int(used_rows[0])
        width, height = int(used_columns[-1]) - left + 1, int(used_rows[-1]) - top + 1
        ratio = image.width / image.height
        out_width, out_height = (max(width, round(height * ratio)), height) if width / height < ratio else (width, max(height, round(width / ratio)))
        cropped = image.crop(left, top, width, height)
        return cropped.embed((out_width - width) // 2, (out_height - height) // 2, out_width, out_height, extend="background", background=background)

    def resize(self, image: pyvips.Image, width: int, height: int) -> pyvips.Image:
        """Lanczos3 resize to exactly ``width`` x ``height``."""
        if (image.width, image.height) == (width, height):
            return image
        resized = image.resize(width / image.width, vscale=height / image.height, kernel="lanczos3")
        if (resized.width, resized.height) != (width, height):  # rounding of the scale
            resized = resized.gravity("centre", width, height, extend="copy")
        return resized

    def grayscale(self, image: pyvips.Image) -> pyvips.Image:
        """Rec. 709 luma of the three bands (one-band images unchanged)."""
        return image if image.bands == 1 else image.extract_band(0, n=3).recomb(LUMA)

    def to_rgb(self, image: pyvips.Image) -> pyvips.Image:
        """Three bands."""
        return image.bandjoin([image, image]) if image.bands == 1 else image.extract_band(0, n=3)

    def minmax_normalize(self, image: pyvips.Image) -> pyvips.Image:
        """Stretch to 0..255 (minimum and maximum over all bands)."""
        image, pixels = _pixels(image)
        low, high = float(pixels.min()), float(pixels.max())
        return image if high <= low else image.linear(255 / (high - low), -low * 255 / (high - low))

    def adaptive_invert(self, image: pyvips.Image) -> pyvips.Image:
        """255 - v when pixel (0, 0) is dark."""
        return image.linear(-1, 255) if float(np.mean(_top_left(image))) < 127.5 else image

    def rotate(self, image: pyvips.Image, angle: float) -> pyvips.Image:
        """Rotate clockwise, fill with pixel (0, 0)'s colour, crop the centre."""
        rotated = image.rotate(angle, background=_top_left(image))
        return rotated.crop((rotated.width - image.width) // 2, (rotated.height - image.height) // 2, image.width, image.height)

    def add_noise(self, image: pyvips.Image, sigma: float, seed: int) -> pyvips.Image:
        """libvips' seeded Gaussian noise, one independent field per band."""
        fields = [pyvips.Image.gaussnoise(image.width, image.height, sigma=sigma, mean=0, seed=seed + band) for band in range(image.bands)]
        noise = fields[0].bandjoin(fields[1:]) if len(fields) > 1 else fields[0]
        return (image.cast("float") + noise).clamp(min=0, max=255)
