"""The libvips and ImageMagick transforms agree: same inputs, bounded pixel differences (0..255 scale)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnplug.datasets.preprocessing import Preprocessing
from nnplug_magick.transforms import MagickTransforms
from nnplug_vips.transforms import VipsTransforms

from .conftest import square_on_background, write_image

BACKENDS = (VipsTransforms(), MagickTransforms())


def pictures() -> list[np.ndarray]:
    """Clean test images: squares on light and dark backgrounds, a smooth gradient, a wide shape."""
    gradient = np.dstack([np.tile(np.linspace(40, 200, 40), (30, 1))] * 3).astype(np.uint8)
    wide = square_on_background(50, 20, (250, 250, 250), background=(10, 10, 10))
    return [
        square_on_background(40, 32, (200, 40, 40)),
        square_on_background(24, 36, (20, 30, 90), background=(230, 230, 230)),
        gradient,
        wide,
    ]


def through_both(transform, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    outputs = []
    for backend in BACKENDS:
        outputs.append(backend.to_array(transform(backend, backend.from_array(picture))))
    return outputs[0], outputs[1]


# (name, transform, largest allowed difference of any pixel, of the mean)
CASES = [
    ("remove_alpha", lambda b, i: b.remove_alpha(i), 0.5, 0.01),
    ("trim", lambda b, i: b.trim(i), 0.5, 0.01),
    ("resize", lambda b, i: b.resize(i, 16, 12), 40.0, 3.0),
    ("grayscale", lambda b, i: b.grayscale(i), 1.0, 0.2),
    ("minmax_normalize", lambda b, i: b.minmax_normalize(i), 1.0, 0.1),
    ("adaptive_invert", lambda b, i: b.adaptive_invert(i), 0.5, 0.01),
    ("rotate", lambda b, i: b.rotate(i, 20.0), 255.0, 12.0),
    ("rotate_0", lambda b, i: b.rotate(i, 0.0), 0.5, 0.01),
]


@pytest.mark.parametrize("name, transform, max_diff, mean_diff", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("index", range(len(pictures())))
def test_transform_parity(name, transform, max_diff, mean_diff, index: int) -> None:
    vips, magick = through_both(transform, pictures()[index])
    assert vips.shape == magick.shape
    difference = np.abs(vips - magick)
    assert difference.max() <= max_diff, f"{name}: largest difference {difference.max():.2f}"
    assert difference.mean() <= mean_diff, f"{name}: mean difference {difference.mean():.2f}"


def test_trim_restores_the_aspect_ratio_with_the_border_colour() -> None:
    picture = square_on_background(40, 20, (255, 0, 0), background=(0, 0, 255))  # red 20x10 inside blue 40x20
    for backend in BACKENDS:
        trimmed = backend.to_array(backend.trim(backend.from_array(picture)))
        assert trimmed.shape == (10, 20, 3)
        assert np.allclose(trimmed[5, 10], (255, 0, 0))
    tall = np.zeros((40, 40, 3), dtype=np.uint8)
    tall[10:30, 18:22] = 200  # a 4x20 bar: trimmed to 4x20, padded to 20x20 with black
    for backend in BACKENDS:
        trimmed = backend.to_array(backend.trim(backend.from_array(tall)))
        assert trimmed.shape == (20, 20, 3)
        assert trimmed[:, :8].max() == 0 and trimmed[10, 8:12].min() == 200


def test_adaptive_invert_only_dark_corners() -> None:
    dark, light = square_on_background(8, 8, (255, 255, 255)), square_on_background(8, 8, (0, 0, 0), (255, 255, 255))
    for backend in BACKENDS:
        assert backend.to_array(backend.adaptive_invert(backend.from_array(dark)))[0, 0, 0] == 255
        assert backend.to_array(backend.adaptive_invert(backend.from_array(light)))[0, 0, 0] == 255


def test_noise_has_the_asked_standard_deviation_and_is_seeded() -> None:
    flat = np.full((64, 64, 3), 128, dtype=np.uint8)
    for backend in BACKENDS:
        noisy = backend.to_array(backend.add_noise(backend.from_array(flat), 10.0, seed=5))
        assert abs(float((noisy - 128).std()) - 10.0) < 1.0
        assert abs(float((noisy - 128).mean())) < 1.0
        again = backend.to_array(backend.add_noise(backend.from_array(flat), 10.0, seed=5))
        assert np.array_equal(noisy, again)


def test_alpha_is_flattened_onto_black(tmp_path: Path) -> None:
    rgba = np.zeros((10, 10, 4), dtype=np.uint8)
    rgba[:, :, 0] = 200
    rgba[:5, :, 3] = 255  # top half opaque red, bottom half transparent
    path = write_image(tmp_path / "alpha.png", rgba)
    for backend in BACKENDS:
        pixels = backend.to_array(backend.remove_alpha(backend.read(path)))
        assert pixels.shape == (10, 10, 3)
        assert np.allclose(pixels[2, 2], (200, 0, 0), atol=1) and np.allclose(pixels[8, 8], 0, atol=1)


def test_full_preprocessing_parity_from_files(tmp_path: Path) -> None:
    # The pictures trim to their own aspect ratio: a 1-pixel pad column would be blurred
    # differently by the two resize kernels at the edge, and min-max would magnify it.
    chain = Preprocessing((20, 20), trim=True, grayscale=True, minmax_normalize=True, adaptive_invert=True)
    for index, picture in enumerate(pictures()):
        path = write_image(tmp_path / f"{index}.png", picture)
        vips, magick = (chain.apply(backend, backend.read(path)) for backend in BACKENDS)
        assert vips.shape == magick.shape == (20, 20, 1)
        assert np.abs(vips - magick).mean() < 0.03


def test_rotation_turns_the_same_way() -> None:
    wide = pictures()[3]
    vips, magick = BACKENDS
    same = np.abs(vips.to_array(vips.rotate(vips.from_array(wide), 20.0)) - magick.to_array(magick.rotate(magick.from_array(wide), 20.0)))
    opposite = np.abs(vips.to_array(vips.rotate(vips.from_array(wide), 20.0)) - magick.to_array(magick.rotate(magick.from_array(wide), -20.0)))
    assert np.median(same) <= 4 and opposite.mean() > 3 * same.mean()


def test_planned_pipelines_agree_with_each_other_and_with_the_steps(tmp_path: Path) -> None:
    # preprocess_files (what the loaders run) against the step-by-step chain, and across backends.
    chains = [
        Preprocessing((20, 20), trim=True, grayscale=True, minmax_normalize=True, adaptive_invert=True),
        Preprocessing((16, 12)),
        Preprocessing((24, 24), trim=True),
    ]
    paths = [write_image(tmp_path / f"{index}.png", picture) for index, picture in enumerate(pictures())]
    for chain in chains:
        planned = [backend.preprocess_files(paths, chain) for backend in BACKENDS]
        for backend, results in zip(BACKENDS, planned):
            for path, result in zip(paths, results):
                stepwise = chain.apply(backend, backend.read(path))
                assert np.abs(result - stepwise).mean() < 0.03, (type(backend).__name__, chain, path.name)
        for vips, magick in zip(*planned):
            assert vips.shape == magick.shape and np.abs(vips - magick).mean() < 0.03, chain
