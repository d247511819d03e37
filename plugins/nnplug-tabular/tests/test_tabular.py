"""Tabular: numeric CSV, target and feature columns, standardization fitted on training rows, seeded split."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.testing import check_data_loader
from nnplug_tabular.tabular import Tabular


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).mkdir(parents=True, exist_ok=True)
    path = folder / name / f"{name}.csv"
    path.write_text(text)
    return folder


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = ["a,b,c,y"] + [",".join(f"{v:.6f}" for v in row) for row in rng.normal(5.0, 2.0, size=(40, 4))]
    return write(tmp_path, "t", "\n".join(rows) + "\n")


def test_honours_the_data_loader_contract(table: Path) -> None:
    check_data_loader(Tabular, {"datasets_path": table, "dataset": "t", "max_minibatch_size": 8}, expected_samples=40, expected_labels=["y"])


def test_standardization_uses_the_training_rows_only(table: Path) -> None:
    loader = Tabular(dataset="t", datasets_path=table)
    loader.load(0)
    training = loader.indices["training"]
    np.testing.assert_allclose(loader.x[training].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(loader.x[training].std(axis=0), 1)
    np.testing.assert_allclose(loader.y[training].mean(), 0, atol=1e-12)
    assert abs(loader.x[loader.indices["dev"]].mean()) > 1e-6  # dev was not used to fit the scaling
    assert loader.labels == ["y"] and loader.sample_shape == (3,)


def test_columns_can_be_chosen(table: Path) -> None:
    loader = Tabular(dataset="t", datasets_path=table, target=["a", "b"], features=["c"], standardize=False, standardize_targets=False)
    loader.load(1)
    assert loader.labels == ["a", "b"] and loader.sample_shape == (1,)
    batch = next(loader.minibatches("dev", 0))
    assert batch.y.shape == (loader.size("dev"), 2) and batch.x.min() > -5  # raw values


def test_the_same_seed_splits_alike_and_another_differently(table: Path) -> None:
    first, second, other = (Tabular(dataset="t", datasets_path=table) for _ in range(3))
    first.load(0), second.load(0), other.load(1)
    assert all(np.array_equal(first.indices[p], second.indices[p]) for p in first.indices)
    assert not np.array_equal(first.indices["dev"], other.indices["dev"])


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        ("a,y\n1,2\n3,oops\n", {}, r"t\.csv:3: 'oops' is not a number"),
        ("a,y\n1,2\n3\n", {}, r"t\.csv:3: 1 values, the header has 2 columns"),
        ("a,y\n1,2\n", {"target": ["z"]}, "column 'z' is not in"),
        ("a,y\n1,2\n", {"target": ["a"], "features": ["a"]}, "cannot be both a target and a feature"),
        ("y\n1\n2\n", {}, "no feature column left"),
        ("a,y\n1,nan\n", {}, "NaN or infinite"),
    ],
    ids=["not-a-number", "short-row", "unknown-column", "target-and-feature", "no-feature", "nan"],
)
def test_bad_tables_are_one_line(tmp_path: Path, text: str, options: dict, message: str) -> None:
    loader = Tabular(dataset="t", datasets_path=write(tmp_path, "t", text), **options)
    with pytest.raises(NnplugError, match=message):
        loader.load(0)


def test_a_missing_table_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(NnplugError, match="no table 'nope'"):
        Tabular(dataset="nope", datasets_path=tmp_path).load(0)


def test_the_shipped_diabetes_table(tmp_path: Path) -> None:
    loader = Tabular(datasets_path=Path(__file__).resolve().parents[3] / "datasets")
    loader.load(0)
    assert loader.labels == ["progression"] and loader.sample_shape == (10,) and len(loader.x) == 442
    assert "Tabular diabetes: 442 rows (training 310, dev 66, test 66)" in loader.summary()
