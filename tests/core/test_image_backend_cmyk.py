"""nnplug.image_backend.cmyk_to_rgb: the plain CMYK formula, exactly as Pillow's convert("RGB")."""
from __future__ import annotations

import numpy as np
from PIL import Image

from nnplug.image_backend import cmyk_to_rgb


def test_cmyk_to_rgb_is_pillows_conversion():
    values = np.random.default_rng(0).integers(0, 256, (64, 64, 4), dtype=np.uint8)
    values[0, :4] = [[0, 0, 0, 0], [255, 255, 255, 255], [255, 0, 0, 0], [0, 0, 0, 255]]
    expected = np.asarray(Image.fromarray(values, "CMYK").convert("RGB"))
    assert np.array_equal(cmyk_to_rgb(values), expected)
    assert cmyk_to_rgb(values).dtype == np.uint8 and cmyk_to_rgb(values)[0, :4].tolist() == [[255] * 3, [0] * 3, [0, 255, 255], [0] * 3]
