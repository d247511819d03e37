#!/usr/bin/env python3
"""Write a synthetic segmentation dataset: ``<out>/images/NAME.jpg`` and ``<out>/masks/NAME.png``.

The layout ``bin/infer`` reads as a segmentation dataset (ground truth in ``masks/``). The
repository ships 8 samples made with the defaults (``datasets/segmentation``); benchmarks make
bigger folders elsewhere.

Usage: .venv/bin/python scripts/segmentation/make_dataset.py [--count 8] [--seed 2024] [--out datasets/segmentation]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402


def write_dataset(out: Path, count: int, seed: int, size: tuple[int, int] | None = None) -> list[Path]:
    """Draw ``count`` samples with ``seed`` into ``out``; return the image paths.

    Args:
        out: dataset folder (``images/`` and ``masks/`` are created in it).
        count: number of samples.
        seed: seed of the drawing (same seed, same files).
        size: (height, width) of every image; random sizes (240..480) when None.
    """
    rng = np.random.default_rng(seed)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "masks").mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        height, width = size or synthetic.random_size(rng)
        rgb, mask = synthetic.sample(rng, height, width)
        name = f"sample_{index + 1:02d}"
        Image.fromarray(rgb).save(out / "images" / f"{name}.jpg", quality=92)
        Image.fromarray(mask).save(out / "masks" / f"{name}.png", optimize=True)
        paths.append(out / "images" / f"{name}.jpg")
    return paths


def main() -> None:
    """Parse arguments and write the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "datasets" / "segmentation")
    args = parser.parse_args()
    paths = write_dataset(args.out, args.count, args.seed)
    print(f"wrote {len(paths)} images and masks in {args.out}")


if __name__ == "__main__":
    main()
