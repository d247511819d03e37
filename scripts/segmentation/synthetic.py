"""Synthetic foreground/background images for training and checking a small segmentation model.

A sample is a textured, muted background (stripes, checkerboard, cloudy noise, wood grain) with
one to three saturated, smoothly shaded foreground objects on it (ellipses, polygons, stars,
blobs). The ground truth mask is 255 on the objects and 0 elsewhere. Everything is drawn with
numpy and Pillow from a seeded ``numpy.random.Generator``, so a seed gives the same sample.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates scaled to 0..1 along each axis."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return ys / max(height - 1, 1), xs / max(width - 1, 1)


def _muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation colour: a grey level with a small tint."""
    grey = rng.uniform(40, 215)
    return np.clip(grey + rng.normal(0, 18, 3), 0, 255).astype(np.float32)


def _saturated_colour(rng: np.random.Generator) -> np.ndarray:
    """A vivid colour: one or two channels high, the others low."""
    colour = rng.uniform(0, 70, 3)
    strong = rng.choice(3, size=rng.integers(1, 3), replace=False)
    colour[strong] = rng.uniform(170, 255, len(strong))
    return colour.astype(np.float32)


def _cloud_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Smooth noise in 0..1: random values on a coarse grid, upsampled bilinearly."""
    coarse = (rng.random((cells, cells)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(coarse).resize((width, height), Image.BILINEAR), dtype=np.float32) / 255


def background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A textured background, float32 (height, width, 3) in 0..255."""
    ys, xs = _grid(height, width)
    first, second = _muted_colour(rng), _muted_colour(rng)
    style = rng.integers(4)
    if style == 0:  # stripes at a random angle and frequency
        angle = rng.uniform(0, np.pi)
        frequency = rng.uniform(8, 40)
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * frequency * (xs * np.cos(angle) + ys * np.sin(angle)))
    elif style == 1:  # checkerboard
        cells = rng.integers(6, 30)
        weight = ((np.floor(xs * cells) + np.floor(ys * cells)) % 2).astype(np.float32)
    elif style == 2:  # cloudy noise with fine grain
        weight = 0.7 * _cloud_noise(rng, height, width, int(rng.integers(4, 16))) + 0.3 * rng.random((height, width))
    else:  # wood grain: rings distorted by noise
        cx, cy = rng.uniform(-0.5, 1.5, 2)
        rings = rng.uniform(10, 40)
        distortion = _cloud_noise(rng, height, width, 6)
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * rings * (np.hypot(xs - cx, ys - cy) + 0.1 * distortion))
    image = first + weight[..., None] * (second - first)
    return image + rng.normal(0, rng.uniform(3, 12), image.shape)


def _shape_mask(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A boolean mask of one random shape (ellipse, polygon, star or blob)."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    size = min(height, width)
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    radius = rng.uniform(0.12, 0.3) * size
    kind = rng.integers(4)
    if kind == 0:
        rx, ry = radius * rng.uniform(0.6, 1.3), radius * rng.uniform(0.6, 1.3)
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
    elif kind in (1, 2):
        corners = int(rng.integers(3, 8)) * (2 if kind == 2 else 1)
        angles = np.sort(rng.uniform(0, 2 * np.pi, corners)) if kind == 1 else np.linspace(0, 2 * np.pi, corners, endpoint=False)
        radii = radius * (rng.uniform(0.7, 1.1, corners) if kind == 1 else np.where(np.arange(corners) % 2, 0.5, 1.0))
        draw.polygon(list(zip(cx + radii * np.cos(angles), cy + radii * np.sin(angles))), fill=255)
    else:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        field = np.zeros((height, width), np.float32)
        for _ in range(rng.integers(3, 7)):
            bx, by = cx + rng.normal(0, radius * 0.5), cy + rng.normal(0, radius * 0.5)
            spread = radius * rng.uniform(0.3, 0.6)
            field += np.exp(-((xs - bx) ** 2 + (ys - by) ** 2) / (2 * spread**2))
        return field > 0.6
    return np.asarray(canvas) > 0


def _shaded(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A saturated colour with a smooth light gradient, float32 (height, width, 3)."""
    ys, xs = _grid(height, width)
    angle = rng.uniform(0, 2 * np.pi)
    light = 0.75 + 0.25 * (np.cos(angle) * (xs - 0.5) + np.sin(angle) * (ys - 0.5)) * 2
    return _saturated_colour(rng) * light[..., None]


def sample(rng: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic image and its ground truth.

    Returns:
        (rgb, mask): uint8 (height, width, 3) and uint8 (height, width), mask 255 on foreground.
    """
    image = background(rng, height, width)
    mask = np.zeros((height, width), bool)
    for _ in range(rng.integers(1, 4)):
        shape = _shape_mask(rng, height, width)
        image = np.where(shape[..., None], _shaded(rng, height, width) + rng.normal(0, 3, image.shape), image)
        mask |= shape
    return np.clip(image, 0, 255).astype(np.uint8), mask.astype(np.uint8) * 255


def random_size(rng: np.random.Generator) -> tuple[int, int]:
    """A (height, width) between 240 and 480 pixels each, so models see varied aspect ratios."""
    return int(rng.integers(240, 481)), int(rng.integers(240, 481))
