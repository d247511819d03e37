#!/usr/bin/env python3
"""Regenerate ``datasets/colors``: small red, green and blue PNG images in one folder per class.

Each image has a random size (16..48 pixels a side), a random shade of its colour and a little
Gaussian noise, so models must learn the colour rather than one exact pixel value. Seeded: the
same files come out every time.

Usage: ``.venv/bin/python datasets/scripts/make_colors.py [--out datasets/colors] [--per-class 30]``
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

#: Channel that dominates each class.
CLASSES: dict[str, int] = {"red": 0, "green": 1, "blue": 2}


def make_image(rng: np.random.Generator, channel: int) -> np.ndarray:
    """One noisy image whose ``channel`` is bright and the two others dark, uint8 (H, W, 3)."""
    height, width = rng.integers(16, 49, size=2)
    colour = rng.uniform(0, 70, size=3)
    colour[channel] = rng.uniform(150, 255)
    noise = rng.normal(0, 8, size=(height, width, 3))
    return np.clip(colour + noise, 0, 255).astype(np.uint8)


def main() -> None:
    """Write the dataset, replacing the previous one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "colors")
    parser.add_argument("--per-class", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    if args.out.exists():
        shutil.rmtree(args.out)
    for name, channel in CLASSES.items():
        folder = args.out / name
        folder.mkdir(parents=True)
        for index in range(args.per_class):
            Image.fromarray(make_image(rng, channel)).save(folder / f"{name}_{index:03d}.png", optimize=True)
    print(f"wrote {len(CLASSES) * args.per_class} images to {args.out}")


if __name__ == "__main__":
    main()
