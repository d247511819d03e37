"""From a mask to what rembg users expect: a cleaner mask, a matted cut-out, a background colour.

The order is rembg's: the mask is post-processed first (``--post-process-mask``); the cut-out is
then either alpha-matted (``--alpha-matting``) or the image with the mask as alpha; a background
colour (``--background-color``) is laid under the cut-out last. Cut-outs keep straight (not
premultiplied) alpha.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger("nnplug.infer")

#: OpenCV's 3x3 elliptic structuring element (what rembg opens the mask with) is this cross.
_OPENING = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def post_processed(mask: np.ndarray) -> np.ndarray:
    """rembg's mask post-processing: morphological opening, 5x5 Gaussian blur (sigma 2), threshold at 127.

    Opening removes specks smaller than the 3x3 cross; the blur and threshold smooth the edge.
    Borders are mirrored without repeating the edge pixel (OpenCV's default border).
    """
    from scipy import ndimage

    opened = ndimage.grey_opening(mask, footprint=_OPENING, mode="mirror")
    # radius 2 (5 taps) = int(truncate * sigma + 0.5) with sigma 2, truncate 1
    blurred = ndimage.gaussian_filter(opened.astype(np.float32), sigma=2.0, truncate=1.0, mode="mirror")
    return np.where(blurred < 127, 0, 255).astype(np.uint8)


def trimap(mask: np.ndarray, foreground_threshold: int, background_threshold: int, erode_size: int) -> np.ndarray:
    """The trimap alpha matting starts from: 255 sure foreground, 0 sure background, 128 unknown.

    Pixels above ``foreground_threshold`` (below ``background_threshold``) are foreground
    (background); both regions are then eroded by an ``erode_size`` square, as rembg does.
    """
    from scipy import ndimage

    structure = np.ones((erode_size, erode_size), dtype=bool) if erode_size > 0 else None
    foreground = ndimage.binary_erosion(mask > foreground_threshold, structure=structure)
    background = ndimage.binary_erosion(mask < background_threshold, structure=structure, border_value=1)
    result = np.full(mask.shape, 128, dtype=np.uint8)
    result[foreground] = 255
    result[background] = 0
    return result


def matted_cutout(rgb: np.ndarray, mask: np.ndarray, foreground_threshold: int, background_threshold: int, erode_size: int) -> np.ndarray | None:
    """Alpha matting with pymatting (closed-form alpha, multi-level foreground): RGBA uint8, or None.

    None when the trimap has no sure foreground or no sure background (pymatting cannot solve
    it): the caller then falls back to the plain cut-out, as rembg does.
    """
    from pymatting import estimate_alpha_cf, estimate_foreground_ml

    known = trimap(mask, foreground_threshold, background_threshold, erode_size)
    if not (known == 255).any() or not (known == 0).any():
        return None
    image = rgb.astype(np.float64) / 255.0
    try:
        alpha = estimate_alpha_cf(image, known.astype(np.float64) / 255.0)
    except ValueError:
        return None
    foreground = estimate_foreground_ml(image, alpha)
    stacked = np.concatenate([foreground, alpha[..., None]], axis=2)
    return np.clip(stacked * 255, 0, 255).astype(np.uint8)


def over_background(cutout: np.ndarray, color: tuple[int, ...]) -> np.ndarray:
    """The RGBA cut-out laid over a plain colour (R, G, B or R, G, B, A): RGBA, Porter-Duff "over"."""
    red, green, blue, *rest = color
    background_alpha = (rest[0] if rest else 255) / 255.0
    alpha = cutout[..., 3:4].astype(np.float32) / 255.0
    under = background_alpha * (1.0 - alpha)
    out_alpha = alpha + under
    colour = np.array([red, green, blue], dtype=np.float32)
    rgb = (cutout[..., :3] * alpha + colour * under) / np.maximum(out_alpha, 1e-6)
    return np.dstack([np.clip(np.rint(rgb), 0, 255), np.clip(np.rint(out_alpha * 255), 0, 255)]).astype(np.uint8)


@dataclass(frozen=True)
class CutoutOptions:
    """rembg's output options (``bin/infer --help`` says what each means)."""

    post_process_mask: bool = False
    alpha_matting: bool = False
    foreground_threshold: int = 240
    background_threshold: int = 10
    erode_size: int = 10
    background_color: tuple[int, ...] | None = None
    only_mask: bool = False

    def mask(self, mask: np.ndarray) -> np.ndarray:
        """The mask as written: post-processed when asked."""
        return post_processed(mask) if self.post_process_mask else mask

    def cutout(self, rgb: np.ndarray, mask: np.ndarray, name: str = "") -> np.ndarray:
        """The RGBA cut-out of ``rgb`` with ``mask`` (already through :meth:`mask`)."""
        cutout = None
        if self.alpha_matting:
            cutout = matted_cutout(rgb, mask, self.foreground_threshold, self.background_threshold, self.erode_size)
            if cutout is None:
                log.warning("%s: alpha matting impossible (no sure foreground or background in the mask); plain cut-out", name or "image")
        if cutout is None:
            cutout = np.dstack([rgb, mask])
        if self.background_color is not None:
            cutout = over_background(cutout, self.background_color)
        return cutout
