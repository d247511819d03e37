"""The loaders' baseline: a plain Pillow loop doing the numbers preprocessing, one image after the other.

Grayscale, trim (crop the borders of the top-left pixel's colour, pad back to the aspect ratio
with it), resize to 28×28 (Lanczos), min-max normalize, adaptive invert, values in 0..1:
the steps the numbers loaders run, written as someone would without nnplug.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: difference from the corner colour below which a pixel counts as border (as the loaders' trim).
TRIM_THRESHOLD = 10


def preprocess(path: Path, size: tuple[int, int]) -> np.ndarray:
    """One image as float32 (H, W) in 0..1."""
    from PIL import Image, ImageChops

    with Image.open(path) as opened:
        image = opened.convert("L")
    corner = image.getpixel((0, 0))
    difference = ImageChops.difference(image, Image.new("L", image.size, corner)).point(lambda v: 255 if v > TRIM_THRESHOLD else 0)
    box = difference.getbbox()
    if box:
        cropped = image.crop(box)
        ratio = image.width / image.height
        width, height = cropped.size
        out = (max(width, round(height * ratio)), height) if width / height < ratio else (width, max(height, round(width / ratio)))
        canvas = Image.new("L", out, corner)
        canvas.paste(cropped, ((out[0] - width) // 2, (out[1] - height) // 2))
        image = canvas
    pixels = np.asarray(image.resize(size, Image.LANCZOS), dtype=np.float32)
    low, high = float(pixels.min()), float(pixels.max())
    if high > low:
        pixels = (pixels - low) * (255.0 / (high - low))
    if pixels[0, 0] < 127.5:
        pixels = 255.0 - pixels
    return np.clip(pixels / 255.0, 0.0, 1.0)


def load_all(paths: list[Path], size: tuple[int, int]) -> np.ndarray:
    """Every image preprocessed, stacked as (N, H*W) float32."""
    return np.stack([preprocess(path, size).reshape(-1) for path in paths])
