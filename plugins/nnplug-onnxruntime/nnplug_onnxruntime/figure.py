"""The side-by-side figure of a segmentation: source | mask | cut-out, composed with Pillow.

The panels are pasted on one canvas at the image's own resolution (reduced by an integer factor
to at most :data:`MAX_PANEL_HEIGHT` rows: the figure is for looking, the mask and cut-out files keep
every pixel) under a one-line caption, and saved with fast PNG compression (by libvips when it is installed):
no plotting library is involved, so a figure costs less than writing the cut-out.
matplotlib is only used for ``--display``, to show the composed figures in a window.
"""
from __future__ import annotations

import functools
import math
import os
from pathlib import Path

import numpy as np

#: panels taller than this are shrunk for the figure (the mask and cut-out files keep full size).
MAX_PANEL_HEIGHT = 240
GAP = 6
CAPTION = 18
BACKGROUND = (255, 255, 255)


@functools.lru_cache(maxsize=8)
def _checkerboard(height: int, width: int) -> np.ndarray:
    """Light grey squares that show through transparent parts of the cut-out, (H, W, 1) uint8.

    Built from a row and a column broadcast together: one byte per pixel (``np.indices`` made two
    int64 planes, 16 bytes per pixel: 6 GB for a 20000x20000 image).
    """
    rows = (np.arange(height) // 16 % 2).astype(np.uint8)[:, None]
    columns = (np.arange(width) // 16 % 2).astype(np.uint8)[None, :]
    return ((rows ^ columns) * np.uint8(60) + np.uint8(160))[..., None]


def composited(cutout: np.ndarray) -> np.ndarray:
    """An RGBA cut-out laid over a checkerboard, as RGB (integer arithmetic)."""
    alpha = cutout[..., 3:4].astype(np.uint16)
    board = _checkerboard(*cutout.shape[:2])
    return ((cutout[..., :3] * alpha + board * (255 - alpha) + 127) // 255).astype(np.uint8)


def segmentation_figure(source: np.ndarray, mask: np.ndarray, cutout: np.ndarray, title: str):
    """A Pillow RGB image with the three panels in a row (the cut-out on a checkerboard) and captions.

    Panels taller than :data:`MAX_PANEL_HEIGHT` are reduced by an integer factor (box average,
    the cheapest good-looking shrink).

    Args:
        source: uint8 (H, W, 3).
        mask: uint8 (H, W).
        cutout: uint8 (H, W, 4).
        title: the file name, written above the source panel.
    """
    from PIL import Image, ImageDraw

    factor = max(1, math.ceil(mask.shape[0] / MAX_PANEL_HEIGHT))
    images = [Image.fromarray(source), Image.fromarray(mask), Image.fromarray(cutout)]
    if factor > 1:
        images = [image.reduce(factor) for image in images]
    width, height = images[0].size
    panels = [images[0], images[1].convert("RGB"), Image.fromarray(composited(np.asarray(images[2])))]
    canvas = Image.new("RGB", (3 * width + 4 * GAP, height + CAPTION + 2 * GAP), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for index, (panel, caption) in enumerate(zip(panels, (title, "mask", "cut-out"))):
        left = GAP + index * (width + GAP)
        canvas.paste(panel, (left, GAP + CAPTION))
        draw.text((left, GAP), caption, fill=(0, 0, 0))
    return canvas


def save_figure(figure, path: Path) -> None:
    """Write ``figure`` (a Pillow image) as a PNG at ``path`` (through a temporary file, then renamed).

    libvips encodes the PNG when pyvips is installed (fast compression, no filter: three to five
    times faster than Pillow's encoder), else Pillow does.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    try:
        try:
            import pyvips
        except ImportError:
            figure.save(temporary, format="PNG", compress_level=1)
        else:
            pyvips.Image.new_from_array(np.asarray(figure)).pngsave(str(temporary), compression=1, filter="none")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def show_all(figures: list) -> None:
    """Open the figures kept for ``--display`` with matplotlib (blocks until the windows are closed)."""
    import logging

    import matplotlib
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() == "agg":
        logging.getLogger("nnplug.infer").warning("--display: no graphical display available; the figures are only saved")
        return
    for figure in figures:
        window = plt.figure(figsize=(figure.width / 100, figure.height / 100), dpi=100)
        axis = window.add_axes((0, 0, 1, 1))
        axis.imshow(np.asarray(figure))
        axis.axis("off")
    plt.show()
