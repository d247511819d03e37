"""The side-by-side figure of a segmentation: source | mask | cut-out, composed with Pillow.

The panels are pasted on one canvas at the image's own resolution (shrunk to at most
:data:`MAX_PANEL_HEIGHT` rows: the figure is for looking, the mask and cut-out files keep every
pixel) under a one-line caption, and saved with fast PNG compression: no plotting library is
involved, so a figure costs less than writing the cut-out.
matplotlib is only used for ``--display``, to show the composed figures in a window.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: panels taller than this are shrunk for the figure (the mask and cut-out files keep full size).
MAX_PANEL_HEIGHT = 320
GAP = 6
CAPTION = 18
BACKGROUND = (255, 255, 255)


def _checkerboard(height: int, width: int) -> np.ndarray:
    """Light grey squares that show through transparent parts of the cut-out."""
    return ((np.indices((height, width)) // 16).sum(0) % 2 * 60 + 160).astype(np.uint8)


def composited(cutout: np.ndarray) -> np.ndarray:
    """An RGBA cut-out laid over a checkerboard, as RGB."""
    alpha = cutout[..., 3:4].astype(np.float32) / 255
    board = _checkerboard(*cutout.shape[:2])[..., None]
    return (cutout[..., :3] * alpha + board * (1 - alpha)).astype(np.uint8)


def segmentation_figure(source: np.ndarray, mask: np.ndarray, cutout: np.ndarray, title: str):
    """A Pillow RGB image with the three panels in a row (the cut-out on a checkerboard) and captions.

    Args:
        source: uint8 (H, W, 3).
        mask: uint8 (H, W).
        cutout: uint8 (H, W, 4).
        title: the file name, written above the source panel.
    """
    from PIL import Image, ImageDraw

    height, width = mask.shape
    scale = min(1.0, MAX_PANEL_HEIGHT / max(height, 1))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    images = [Image.fromarray(source), Image.fromarray(mask), Image.fromarray(cutout)]
    if scale < 1.0:
        images = [image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0) for image in images]
    panels = [images[0], images[1].convert("RGB"), Image.fromarray(composited(np.asarray(images[2])))]
    canvas = Image.new("RGB", (3 * size[0] + 4 * GAP, size[1] + CAPTION + 2 * GAP), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for index, (panel, caption) in enumerate(zip(panels, (title, "mask", "cut-out"))):
        left = GAP + index * (size[0] + GAP)
        canvas.paste(panel, (left, GAP + CAPTION))
        draw.text((left, GAP), caption, fill=(0, 0, 0))
    return canvas


def save_figure(figure, path: Path) -> None:
    """Write ``figure`` (a Pillow image) as a PNG at ``path`` (through a temporary file, then renamed)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        figure.save(temporary, format="PNG", compress_level=1)
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
