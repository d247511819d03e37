"""The ``Vips`` and ``ImageMagick`` image backends (entry-point group ``nnplug.image_backends``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.registry import Registry

from .conftest import square_on_background, write_image


@pytest.fixture(params=["Vips", "ImageMagick"])
def backend(request):
    return Registry().create("image_backend", request.param, {})


def test_read_rgb_drops_alpha_and_repeats_gray(backend, tmp_path: Path) -> None:
    rgb = square_on_background(12, 8, (200, 10, 30))
    assert np.array_equal(backend.read_rgb(write_image(tmp_path / "rgb.png", rgb)), rgb)
    rgba = np.dstack([rgb, np.full((8, 12), 100, dtype=np.uint8)])
    assert np.array_equal(backend.read_rgb(write_image(tmp_path / "rgba.png", rgba)), rgb)
    gray = rgb[:, :, 0]
    assert np.array_equal(backend.read_rgb(write_image(tmp_path / "gray.png", gray)), np.dstack([gray] * 3))


def test_read_rgb_of_a_non_image_is_one_line_error(backend, tmp_path: Path) -> None:
    (tmp_path / "x.png").write_text("hello")
    with pytest.raises(NnplugError, match=r"cannot read image .*x.png"):
        backend.read_rgb(tmp_path / "x.png")


def test_resize_keeps_dtype_and_layout(backend) -> None:
    pixels = np.full((20, 30, 3), 120, dtype=np.uint8)
    out = backend.resize(pixels, 15, 10)
    assert out.shape == (10, 15, 3) and out.dtype == np.uint8 and np.abs(out.astype(int) - 120).max() <= 1
    plane = np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30)
    small = backend.resize(plane, 10, 5)
    assert small.shape == (5, 10) and np.issubdtype(small.dtype, np.floating)
    assert 0.2 < float(small.mean()) < 0.8


def test_write_png_round_trips_atomically(backend, tmp_path: Path) -> None:
    pixels = square_on_background(9, 7, (1, 2, 250))
    for name, data in (("rgb.png", pixels), ("gray.png", pixels[:, :, 2]), ("rgba.png", np.dstack([pixels, pixels[:, :, :1]]))):
        backend.write_png(tmp_path / name, data)
    assert np.array_equal(backend.read_rgb(tmp_path / "rgb.png"), pixels)
    assert np.array_equal(backend.read_rgb(tmp_path / "gray.png")[:, :, 0], pixels[:, :, 2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gray.png", "rgb.png", "rgba.png"]
