"""How the libvips transforms plan a batch of files: shrink-on-load, stacked resizes, odd files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvips
from PIL import Image

from nnplug.datasets.preprocessing import Preprocessing
from nnplug_magick.transforms import MagickTransforms
from nnplug_vips import transforms as vips_transforms
from nnplug_vips.transforms import VipsTransforms, open_for_size, shrink_factor

from .conftest import square_on_background, write_image


def photo(path: Path, width: int = 320, height: int = 240) -> Path:
    """A smooth colour picture saved as JPEG (or the format of ``path``'s suffix)."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.dstack([x * 255 // width, y * 255 // height, (x + y) * 255 // (width + height)]).astype(np.uint8)
    return write_image(path, pixels)


def test_shrink_factor_keeps_the_image_at_least_the_target() -> None:
    assert shrink_factor(640, 480, (224, 224)) == 2
    assert shrink_factor(640, 480, (60, 60)) == 8
    assert shrink_factor(100, 100, (60, 60)) == 1


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_jpeg_and_webp_are_decoded_at_a_reduced_size(suffix: str, tmp_path: Path) -> None:
    path = photo(tmp_path / f"photo{suffix}")
    image, width, height = open_for_size(path, (40, 30))
    assert (image.width, image.height) == (width, height) == (40, 30)  # shrunk by 8 on load
    assert open_for_size(photo(tmp_path / "photo.png"), (40, 30))[1:] == (320, 240)  # PNG: no shrink-on-load
    shrunk = VipsTransforms().preprocess_files([path], Preprocessing((40, 30)))[0]
    full = VipsTransforms().preprocess_files([path], Preprocessing((40, 30), trim=True))[0]  # trim: full-size decode
    assert shrunk.shape == full.shape == (30, 40, 3)
    assert np.abs(shrunk - full).mean() < 0.02


def test_small_images_resized_together_equal_one_by_one(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    paths = [write_image(tmp_path / f"{i}.png", rng.integers(0, 255, (20, 16, 3)).astype(np.uint8)) for i in range(5)]
    paths.append(write_image(tmp_path / "other.png", rng.integers(0, 255, (9, 30, 3)).astype(np.uint8)))
    chain = Preprocessing((12, 10), minmax_normalize=True)
    together = VipsTransforms().preprocess_files(paths, chain)
    monkeypatch.setattr(vips_transforms, "STACK_AT_MOST", 0)  # every image resized alone
    alone = VipsTransforms().preprocess_files(paths, chain)
    for a, b in zip(together, alone):
        assert np.array_equal(a, b)


def test_unreadable_files_give_their_reason_in_place(tmp_path: Path) -> None:
    good = write_image(tmp_path / "good.png", square_on_background(10, 10, (200, 0, 0)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(good.read_bytes()[:50])
    results = VipsTransforms().preprocess_files([good, bad, good], Preprocessing((5, 5)))
    assert isinstance(results[0], np.ndarray) and isinstance(results[1], str) and isinstance(results[2], np.ndarray)
    assert np.array_equal(results[0], results[2])


def test_odd_files_decode_like_imagemagick(tmp_path: Path) -> None:
    y, x = np.mgrid[0:24, 0:32]
    grey16 = write_image(tmp_path / "grey16.png", (x * 2000 + y * 50).astype(np.uint16))
    rgba = np.dstack([np.full((24, 32), 200, np.uint8), np.zeros((24, 32), np.uint8), np.zeros((24, 32), np.uint8), np.where(y < 12, 255, 0).astype(np.uint8)])
    alpha = write_image(tmp_path / "rgba.png", rgba)
    cmyk = tmp_path / "cmyk.jpg"
    Image.fromarray(square_on_background(32, 24, (200, 40, 40))).convert("CMYK").save(cmyk)
    chain = Preprocessing((16, 12))
    for path in (grey16, alpha, cmyk):
        vips = VipsTransforms().preprocess_files([path], chain)[0]
        magick = MagickTransforms().preprocess_files([path], chain)[0]
        assert isinstance(vips, np.ndarray) and vips.shape == (12, 16, 3), (path.name, vips)
        assert np.abs(vips - magick).mean() < 0.04, path.name


def test_the_version_names_libvips() -> None:
    assert f"libvips {pyvips.version(0)}.{pyvips.version(1)}" in VipsTransforms().version()


def test_imagemagick_takes_the_jpeg_size_hint_unless_trim(tmp_path: Path) -> None:
    path = photo(tmp_path / "photo.jpg")
    magick = MagickTransforms()
    assert magick.read(path, at_least=(40, 30)).size == (40, 30)
    assert magick.read(path).size == (320, 240)
    hinted = magick.preprocess_files([path], Preprocessing((40, 30)))[0]
    full = magick.preprocess_files([path], Preprocessing((40, 30), trim=True))[0]
    assert np.abs(hinted - full).mean() < 0.02
    assert "ImageMagick" in magick.version()


def test_sixteen_bit_files_large_and_small_are_scaled_to_eight_bits(tmp_path: Path) -> None:
    for size in ((32, 24), (300, 200)):
        y, x = np.mgrid[0 : size[1], 0 : size[0]]
        path = write_image(tmp_path / f"rgb16-{size[0]}.png", (x * 65535 // size[0]).astype(np.uint16))
        for chain in (Preprocessing((16, 12)), Preprocessing((16, 12), trim=True)):
            (result,) = VipsTransforms().preprocess_files([path], chain)
            assert isinstance(result, np.ndarray) and result.shape == (12, 16, 3), result
            assert 0.0 <= result.min() < 0.1 and 0.9 < result.max() <= 1.0  # the ramp, not saturated
