"""Decode input images through the selected image backend, skipping the ones that cannot be read."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnplug import NnplugError
from nnplug.image_backend import ImageBackend
from nnplug_onnxruntime.inputs import ImageInput

log = logging.getLogger("nnplug.infer")


@dataclass
class DecodedImage:
    """An input image and its pixels: the original RGB and the copy resized for the model."""

    source: ImageInput
    rgb: np.ndarray
    resized: np.ndarray


@dataclass
class Skipped:
    """Images that could not be read, with the reason (shown as warnings, counted in the summary)."""

    files: list[tuple[Path, str]] = field(default_factory=list)

    def add(self, path: Path, reason: str) -> None:
        """Record and warn about one unreadable file."""
        self.files.append((path, reason))
        log.warning("skipped %s: %s", path, reason)


def decode(
    images: Iterable[ImageInput],
    backend: ImageBackend,
    size: tuple[int, int],
    skipped: Skipped,
    resize: Callable[[np.ndarray, int, int], np.ndarray] | None = None,
) -> Iterator[DecodedImage]:
    """Yield each readable image decoded as RGB and resized to ``size`` (width, height).

    Args:
        resize: the resize function (pixels, width, height); default: the backend's.
    """
    width, height = size
    resize = resize or backend.resize
    for image in images:
        try:
            rgb = backend.read_rgb(image.path)
        except NnplugError as err:
            skipped.add(image.path, str(err))
            continue
        except Exception as err:  # a backend's own exception for a file it cannot decode
            skipped.add(image.path, f"{type(err).__name__}: {err}".splitlines()[0])
            continue
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
            skipped.add(image.path, f"decoded to an unexpected shape {rgb.shape}")
            continue
        yield DecodedImage(image, rgb, resize(rgb, width, height))
