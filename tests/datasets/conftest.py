"""Tiny datasets made in ``tmp_path``: images drawn with numpy and Pillow, videos encoded with PyAV."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

#: The colour of each class of :func:`make_dataset`.
COLOURS = {"blue": (20, 30, 220), "green": (30, 200, 40), "red": (230, 20, 30)}


def write_image(path: Path, pixels: np.ndarray) -> Path:
    """Save uint8 pixels as an image file (format from the extension)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def square_on_background(width: int, height: int, colour: tuple[int, int, int], background: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """A ``colour`` rectangle covering the middle half of a ``background`` image."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8) + np.array(background, dtype=np.uint8)
    pixels[height // 4 : height - height // 4, width // 4 : width - width // 4] = colour
    return pixels


def make_dataset(root: Path, name: str = "tiny", per_class: int = 10) -> Path:
    """``root/name/<colour>/<i>.png``: coloured squares of varied sizes on black; returns ``root``."""
    rng = np.random.default_rng(0)
    for colour, value in COLOURS.items():
        for index in range(per_class):
            width, height = (int(v) for v in rng.integers(12, 30, size=2))
            write_image(root / name / colour / f"{index:02d}.png", square_on_background(width, height, value))
    return root


def make_video(path: Path, colours: list[tuple[int, int, int]], fps: int = 10, size: tuple[int, int] = (32, 24)) -> Path:
    """Encode one second of each colour (``fps`` frames each) as an mpeg4 video with PyAV."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for colour in colours:
            pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8) + np.array(colour, dtype=np.uint8)
            for _ in range(fps):
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def tiny_datasets(tmp_path: Path) -> Path:
    """A datasets folder holding ``tiny``: 3 classes x 10 small PNG images."""
    return make_dataset(tmp_path / "datasets")
