#!/usr/bin/env python3
"""Regenerate ``datasets/diabetes/diabetes.csv``: the diabetes regression table shipped with scikit-learn.

442 patients, 10 baseline variables (age, sex, body mass index, average blood pressure and six
blood serum measurements, in their original units) and the target: a measure of disease
progression one year after baseline. Read from scikit-learn's bundled copy
(``sklearn.datasets.load_diabetes(scaled=False)``): nothing is downloaded. Source and licence in
``datasets/README.md``.

Usage: ``.venv/bin/python datasets/scripts/make_diabetes.py [--out datasets/diabetes/diabetes.csv]``
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from sklearn.datasets import load_diabetes

#: Column names of the CSV, in order: scikit-learn's feature names, then the target.
TARGET = "progression"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "diabetes" / "diabetes.csv")
    args = parser.parse_args()
    data = load_diabetes(scaled=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*data.feature_names, TARGET])
        for features, target in zip(data.data, data.target):
            writer.writerow([f"{value:g}" for value in features] + [f"{target:g}"])
    print(f"wrote {len(data.target)} rows to {args.out}")


if __name__ == "__main__":
    main()
