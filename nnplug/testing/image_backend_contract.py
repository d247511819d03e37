"""Contract checks of image backend plugins: read RGB, resize, write PNG round trip."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nnplug.image_backend import ImageBackend
from nnplug.testing.image_dataset import write_png
from nnplug.testing.instances import display_name, plugin_factory


def check_image_backend(backend: type[ImageBackend] | ImageBackend, options: dict[str, Any] | None = None) -> None:
    """Check that an image backend honours its contract; raise AssertionError if not.

    Checks: ``read_rgb`` of a PNG gives its uint8 (H, W, 3) pixels, ``resize`` gives the asked
    size, ``write_png`` then ``read_rgb`` gives the pixels back.

    Args:
        backend: the backend class, or an instance.
        options: constructor options when ``backend`` is a class.
    """
    instance = plugin_factory(backend, options, ImageBackend)()
    name = display_name(instance)
    pixels = np.random.default_rng(0).integers(0, 256, size=(6, 10, 3)).astype(np.uint8)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.png"
        write_png(source, pixels)
        read = np.asarray(instance.read_rgb(source))
        if read.shape != pixels.shape or read.dtype != np.uint8 or not np.array_equal(read, pixels):
            raise AssertionError(f"image backend {name}: read_rgb of a 10x6 RGB PNG gave {read.dtype} {read.shape}, not its pixels")
        resized = np.asarray(instance.resize(read, 5, 3))
        if resized.shape != (3, 5, 3):
            raise AssertionError(f"image backend {name}: resize(pixels, width=5, height=3) gave shape {resized.shape}, expected (3, 5, 3)")
        target = Path(folder) / "written.png"
        instance.write_png(target, pixels)
        again = np.asarray(instance.read_rgb(target))
        if not np.array_equal(again, pixels):
            raise AssertionError(f"image backend {name}: write_png then read_rgb does not give the pixels back")
