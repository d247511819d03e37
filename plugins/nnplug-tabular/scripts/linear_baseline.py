#!/usr/bin/env python3
"""scikit-learn's LinearRegression on exactly the split and standardization the Tabular loader makes.

The reference figure for nnplug's regression: train a model with
``bin/train --data-loader=Tabular --dataset=diabetes --model=NLayers --output=linear --loss=MeanSquaredError --metric=R2``
and compare its dev and test R² with the ones printed here (same ``--dataset-seed``, same partitions).

Usage: ``.venv/bin/python plugins/nnplug-tabular/scripts/linear_baseline.py [--dataset diabetes] [--dataset-seed 0]``
"""
from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from nnplug_tabular.tabular import Tabular


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="diabetes")
    parser.add_argument("--datasets-path", type=Path, default=Path("datasets"))
    parser.add_argument("--dataset-seed", type=int, default=0)
    args = parser.parse_args()
    loader = Tabular(dataset=args.dataset, datasets_path=args.datasets_path)
    loader.load(args.dataset_seed)
    training = loader.indices["training"]
    model = LinearRegression().fit(loader.x[training], loader.y[training])
    for partition in ("training", "dev", "test"):
        rows = loader.indices[partition]
        if len(rows):
            print(f"LinearRegression {partition} R² {r2_score(loader.y[rows], model.predict(loader.x[rows])):.4f} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
