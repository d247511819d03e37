"""The side-by-side figure of a segmentation: source | mask | cut-out, drawn with matplotlib.

Figures are built on matplotlib's object API with the Agg canvas (no pyplot, no layout
engine), and saved with fast PNG compression: a figure per image must not dominate a run.
pyplot is only used for ``--display``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

PANEL_INCHES = 4.0
DPI = 80


def _checkerboard(height: int, width: int) -> np.ndarray:
    """Light grey squares that show through transparent parts of the cut-out."""
    return ((np.indices((height, width)) // 16).sum(0) % 2 * 60 + 160).astype(np.uint8)


def composited(cutout: np.ndarray) -> np.ndarray:
    """An RGBA cut-out laid over a checkerboard, as RGB."""
    alpha = cutout[..., 3:4].astype(np.float32) / 255
    board = _checkerboard(*cutout.shape[:2])[..., None]
    return (cutout[..., :3] * alpha + board * (1 - alpha)).astype(np.uint8)


def segmentation_figure(source: np.ndarray, mask: np.ndarray, cutout: np.ndarray, title: str, display: bool = False):
    """A matplotlib figure with the three images in a row; the cut-out on a checkerboard.

    Args:
        source: uint8 (H, W, 3).
        mask: uint8 (H, W).
        cutout: uint8 (H, W, 4).
        title: the figure's title (the file name).
        display: build it with pyplot so that it can be shown in a window.
    """
    height, width = mask.shape
    size = (3 * PANEL_INCHES, PANEL_INCHES * height / max(width, 1) + 0.6)
    if display:
        import matplotlib.pyplot as plt

        figure = plt.figure(figsize=size, dpi=DPI)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(figure)
    top = 1 - 0.6 / size[1]
    for index, (image, caption) in enumerate(((source, "source"), (mask, "mask"), (composited(cutout), "cut-out"))):
        axis = figure.add_axes((index / 3 + 0.005, 0.01, 1 / 3 - 0.01, top - 0.02))
        axis.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255, interpolation="bilinear")
        axis.set_title(caption, fontsize=10)
        axis.axis("off")
    figure.suptitle(title, fontsize=11)
    return figure


def save_figure(figure, path: Path) -> None:
    """Write ``figure`` as a PNG at ``path`` (through a temporary file, then renamed)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        figure.savefig(temporary, format="png", pil_kwargs={"compress_level": 1})
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def close(figure) -> None:
    """Release a figure built for display (figures on the Agg canvas are simply dropped)."""
    if getattr(figure, "number", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(figure)


def show_all() -> None:
    """Open the figures kept for ``--display`` (blocks until the windows are closed)."""
    import logging

    import matplotlib
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() == "agg":
        logging.getLogger("nnplug.infer").warning("--display: no graphical display available; the figures are only saved")
        plt.close("all")
        return
    plt.show()
