"""Tabular: rows of a numeric CSV file as samples, some columns as regression targets."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import ClassVar, Iterator

import numpy as np

from nnplug import PARTITIONS, DataLoader, Minibatch, NnplugError, SampleIds
from nnplug.datasets.minibatches import check_minibatch_size, cut_minibatches
from nnplug.datasets.partitioner import StratifiedPartitioner
from nnplug.datasets.shuffler import EpochShuffler


class Tabular(DataLoader):
    """Numeric CSV table for regression: target column(s), feature columns, standardized, seeded split.

    The file is ``<datasets-path>/<dataset>/<dataset>.csv`` (or ``<datasets-path>/<dataset>.csv``):
    a header row of column names, then one row per sample, numbers only. ``--target`` names the
    target columns (default: the last column), ``--features`` the input columns (default: every
    other column). Rows are split at random into the partitions, seeded by ``--dataset-seed``.
    Features (and targets, with ``--standardize-targets``) are standardized with the mean and
    standard deviation of the training rows only, so dev and test stay unseen; R² and the ranking
    of models do not change with the targets' scale, only the cost's units do.

    ``labels`` are the target column names (their number is the number of model outputs) and
    ``sample_shape`` is ``(number of features,)``.

    Args:
        dataset: the table's name: its folder (or file stem) inside --datasets-path.
        datasets_path: the folder holding the datasets.
        target: the target column(s); empty: the last column.
        features: the feature columns; empty: every column that is not a target.
        partitions: share of each partition as JSON (training required; dev and test optional), positive and summing to 1; rows drawn at random, seeded by --dataset-seed.
        standardize: scale every feature to mean 0 and standard deviation 1 on the training rows.
        standardize_targets: scale the targets the same way (predictions and costs are then in standard deviations).
        max_minibatch_size: largest training minibatch (dev and test are not split).
        dtype: float precision of the samples and targets handed to models.
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("regression",)
    #: standardized features are not bounded.
    sample_range: ClassVar[tuple[float, float] | None] = None

    def __init__(
        self,
        dataset: str = "diabetes",
        datasets_path: Path = Path("datasets"),
        target: list[str] = [],
        features: list[str] = [],
        partitions: dict[str, float] = {"training": 0.7, "dev": 0.15, "test": 0.15},
        standardize: bool = True,
        standardize_targets: bool = True,
        max_minibatch_size: int = 32,
        dtype: str = "float64",
    ) -> None:
        if dtype not in ("float64", "float32"):
            raise NnplugError(f"--dtype must be float64 or float32, got {dtype!r}")
        self.dataset = dataset
        self.datasets_path = Path(datasets_path)
        self.target_columns = list(target)
        self.feature_columns = list(features)
        self.partitioner = StratifiedPartitioner(partitions)
        self.standardize = standardize
        self.standardize_targets = standardize_targets
        self.max_minibatch_size = check_minibatch_size(max_minibatch_size)
        self.dtype = np.dtype(dtype)
        self.columns: list[str] = []
        self.table: np.ndarray | None = None
        self.x = np.zeros((0, 0), dtype=self.dtype)
        self.y = np.zeros((0, 0), dtype=self.dtype)
        self.targets_named: list[str] = []
        self.indices: dict[str, np.ndarray] = {}
        self.shuffler = EpochShuffler(0)

    # ----- reading
    def path(self) -> Path:
        """The CSV file of the dataset."""
        candidates = [self.datasets_path / self.dataset / f"{self.dataset}.csv", self.datasets_path / f"{self.dataset}.csv"]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise NnplugError(f"no table {self.dataset!r}: neither {candidates[0]} nor {candidates[1]} exists (--dataset, --datasets-path)")

    def read(self) -> None:
        """Read the CSV file once (the header and every row as numbers)."""
        path = self.path()
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle))
        except (OSError, UnicodeDecodeError) as err:
            raise NnplugError(f"cannot read {path}: {err}") from None
        if len(rows) < 2:
            raise NnplugError(f"{path} needs a header row and at least one row of numbers")
        self.columns = [name.strip() for name in rows[0]]
        values = np.empty((len(rows) - 1, len(self.columns)), dtype=np.float64)
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(self.columns):
                raise NnplugError(f"{path}:{line}: {len(row)} values, the header has {len(self.columns)} columns")
            try:
                values[line - 2] = [float(cell) for cell in row]
            except ValueError:
                bad = next(cell for cell in row if not _is_number(cell))
                raise NnplugError(f"{path}:{line}: {bad!r} is not a number (the table must be numeric)") from None
        if not np.isfinite(values).all():
            raise NnplugError(f"{path} holds NaN or infinite values: fill or drop them first")
        self.table = values

    def _select(self) -> tuple[list[int], list[int]]:
        unknown = [c for c in self.target_columns + self.feature_columns if c not in self.columns]
        if unknown:
            raise NnplugError(f"column {unknown[0]!r} is not in {self.path()} (columns: {', '.join(self.columns)})")
        targets = self.target_columns or self.columns[-1:]
        features = self.feature_columns or [c for c in self.columns if c not in targets]
        overlap = sorted(set(targets) & set(features))
        if overlap:
            raise NnplugError(f"column {overlap[0]!r} cannot be both a target and a feature")
        if not features:
            raise NnplugError(f"{self.path()} has no feature column left besides the target(s)")
        self.targets_named = list(targets)
        return [self.columns.index(c) for c in features], [self.columns.index(c) for c in targets]

    # ----- the DataLoader contract
    def load(self, seed: int) -> None:
        """Read the table (first time), split its rows with ``seed``, standardize on the training rows."""
        if self.table is None:
            self.read()
        assert self.table is not None
        feature_index, target_index = self._select()
        x, y = self.table[:, feature_index], self.table[:, target_index]
        self.indices = self.partitioner.split(np.zeros(len(self.table), dtype=np.int64), seed)
        training = self.indices["training"]
        if self.standardize:
            x = _standardized(x, training)
        if self.standardize_targets:
            y = _standardized(y, training)
        self.x, self.y = x.astype(self.dtype), y.astype(self.dtype)
        self.shuffler = EpochShuffler(seed)

    @property
    def labels(self) -> list[str]:
        """The target column names (one model output each)."""
        if not self.targets_named:
            if self.table is None:
                self.read()
            self._select()
        return list(self.targets_named)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """``(number of features,)``."""
        return (int(self.x.shape[1]),)

    def size(self, partition: str) -> int:
        """Rows in ``partition``."""
        return int(len(self.indices.get(partition, ())))

    def minibatches(self, partition: str, epoch: int) -> Iterator[Minibatch]:
        """Training shuffled per epoch and cut; dev and test whole, in row order."""
        ids = self.indices.get(partition, np.array([], dtype=np.int64))
        if len(ids) == 0:
            return
        if partition == "training":
            chunks = cut_minibatches(self.shuffler.order(ids, epoch), self.max_minibatch_size)
        else:
            chunks = iter([ids])
        for index, chunk in enumerate(chunks):
            yield Minibatch(self.x[chunk], self.y[chunk], index, SampleIds(chunk, _row_name))

    def summary(self) -> str:
        """Rows per partition, features and targets."""
        sizes = ", ".join(f"{name} {self.size(name)}" for name in PARTITIONS if name in self.indices)
        return (
            f"Tabular {self.dataset}: {len(self.x)} rows ({sizes}), {self.sample_shape[0]} features, "
            f"target {', '.join(self.labels)}" + (" (standardized on training rows)" if self.standardize else "")
        )


def _standardized(values: np.ndarray, training: np.ndarray) -> np.ndarray:
    """``values`` minus the training rows' mean, over their standard deviation (constant columns: over 1)."""
    mean = values[training].mean(axis=0)
    std = values[training].std(axis=0)
    return (values - mean) / np.where(std > 0, std, 1.0)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _row_name(index: int) -> str:
    """``row 3``: a sample's id, its row number in the CSV file (1-based, header apart)."""
    return f"row {index + 1}"
