"""Small images and datasets the inference tests make, and a look at what a run wrote."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def bright_square_image(path: Path, width: int, height: int, box: tuple[int, int, int, int]) -> Path:
    """A dark image with a white rectangle ``box`` (x0, y0, x1, y1); its ground truth is the rectangle."""
    pixels = np.full((height, width, 3), 20, np.uint8)
    x0, y0, x1, y1 = box
    pixels[y0:y1, x0:x1] = 240
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def square_dataset(folder: Path, count: int = 3) -> Path:
    """A segmentation dataset ``folder/images`` + ``folder/masks`` of bright rectangles on dark."""
    for index in range(count):
        width, height = 48 + 8 * index, 40
        box = (8 + index, 6, 30 + index, 30)
        bright_square_image(folder / "images" / f"img{index}.png", width, height, box)
        mask = np.zeros((height, width), np.uint8)
        mask[box[1] : box[3], box[0] : box[2]] = 255
        (folder / "masks").mkdir(parents=True, exist_ok=True)
        Image.fromarray(mask).save(folder / "masks" / f"img{index}.png")
    return folder


def output_files(folder: Path) -> list[str]:
    """Every file under ``folder``, relative, sorted (hidden staging files included)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
