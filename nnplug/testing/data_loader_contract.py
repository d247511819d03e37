"""Contract checks of data loader plugins: partitions, targets of the loader's task, value range, seeds.

Targets are checked by the loader's task (:meth:`nnplug.Task.target_problem`: one-hot rows for
classification, finite numbers for regression); sample values by the loader's declared
``sample_range`` (0..1 unless the loader declares another range, or None for unbounded values
such as standardized features).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable

import numpy as np

from nnplug.data_loader import PARTITIONS, DataLoader
from nnplug.task import task_of
from nnplug.testing.engines import copy_of
from nnplug.testing.instances import display_name, plugin_factory
from nnplug.testing.tasks import task_named


@dataclass
class PartitionContent:
    """Everything one pass over a partition gave: samples, labels (class index, or target row) and ids in order."""

    x: list[np.ndarray] = field(default_factory=list)
    labels: list[Any] = field(default_factory=list)
    ids: list[str] | None = field(default_factory=list)


class DataLoaderContract:
    """Runs the data loader checks on fresh loaders built by ``factory``.

    Args:
        factory: builds a new, identically configured loader per call.
        seed: the load seed.
        expected_samples: number of samples in the dataset (checks that partitions cover it).
        expected_labels: the class names (target column names for regression) the loader must find.
        registry: where the loader's task is found (default: the installed plugins).
    """

    def __init__(
        self,
        factory: Callable[[], DataLoader],
        seed: int = 0,
        expected_samples: int | None = None,
        expected_labels: list[str] | None = None,
        registry: Any = None,
    ) -> None:
        self.factory = factory
        self.seed = seed
        self.expected_samples = expected_samples
        self.expected_labels = expected_labels
        sample = factory()
        self.name = display_name(sample)
        try:
            self.task = task_named(task_of(sample), registry)
        except Exception as err:  # noqa: BLE001 - several tasks, or one not installed
            raise AssertionError(f"data loader {self.name}: {err}") from err
        self.classes = self.task.confusion_matrix
        self.sample_range = sample.sample_range

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the loader."""
        raise AssertionError(f"data loader {self.name}: {message}")

    def loaded(self, seed: int | None = None) -> DataLoader:
        """A new loader, loaded with ``seed`` (default: the contract's)."""
        loader = self.factory()
        try:
            loader.load(self.seed if seed is None else seed)
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
            self.fail(f"load() raised {type(err).__name__}: {err}")
        return loader

    def read(self, loader: DataLoader, partition: str, epoch: int) -> PartitionContent:
        """Read one pass over ``partition`` and check every minibatch's form on the way."""
        content = PartitionContent()
        nbr_labels = len(loader.labels)
        shape = tuple(loader.sample_shape)
        for position, minibatch in enumerate(loader.minibatches(partition, epoch)):
            where = f"{partition} minibatch {position} (epoch {epoch})"
            x, y = copy_of(minibatch.x), copy_of(minibatch.y)
            count = x.shape[0]
            if tuple(x.shape[1:]) != shape:
                self.fail(f"{where}: samples have shape {tuple(x.shape[1:])}, sample_shape says {shape}")
            problem = self.task.target_problem(y, nbr_labels)
            if problem:
                self.fail(f"{where}: {problem}")
            if minibatch.size != count:
                self.fail(f"{where}: size is {minibatch.size} but x has {count} samples")
            if minibatch.index != position:
                self.fail(f"{where}: index is {minibatch.index}, expected {position}")
            if not np.all(np.isfinite(x)):
                self.fail(f"{where}: sample values must be finite")
            if self.sample_range is not None:
                low, high = self.sample_range
                if x.min(initial=low) < low or x.max(initial=low) > high:
                    self.fail(f"{where}: sample values must be in {low:g}..{high:g} (its sample_range), found {x.min():.4g}..{x.max():.4g}")
            content.x.extend(x)
            if self.classes:
                content.labels.extend(int(i) for i in y.argmax(axis=1))
            else:
                content.labels.extend(tuple(float(v) for v in row) for row in y)
            if minibatch.ids is None or content.ids is None:
                content.ids = None
            elif len(minibatch.ids) != count:
                self.fail(f"{where}: {len(minibatch.ids)} ids for {count} samples")
            else:
                content.ids.extend(str(i) for i in minibatch.ids)
        if len(content.x) != loader.size(partition):
            self.fail(f"the {partition} minibatches hold {len(content.x)} samples, size() says {loader.size(partition)}")
        return content

    def check_description(self) -> None:
        """Labels are unique names (classes, or target columns); the sample shape is positive; training is not empty."""
        loader = self.loaded()
        labels = loader.labels
        what = "class names" if self.classes else "names of the targets"
        if not labels or len(set(labels)) != len(labels) or not all(isinstance(l, str) for l in labels):
            self.fail(f"labels must be unique {what}, got {labels!r}")
        if self.expected_labels is not None and sorted(labels) != sorted(self.expected_labels):
            self.fail(f"labels {sorted(labels)} differ from the dataset's {what} {sorted(self.expected_labels)}")
        shape = tuple(loader.sample_shape)
        if not shape or not all(isinstance(d, int) and d > 0 for d in shape):
            self.fail(f"sample_shape must be positive integers, got {shape!r}")
        if loader.size("training") <= 0:
            self.fail("the training partition is empty")

    def check_partitions(self) -> None:
        """Partitions are disjoint and together hold every sample; labels match the class folders.

        Training may hold a sample several times (clones, each augmented differently); dev and
        test hold each of theirs once.
        """
        loader = self.loaded()
        contents = {p: self.read(loader, p, 1) for p in PARTITIONS}
        if any(c.ids is None for c in contents.values()):
            total = sum(loader.size(p) for p in PARTITIONS)
            if self.expected_samples is not None and total != self.expected_samples:
                self.fail(f"the partitions hold {total} samples, the dataset has {self.expected_samples}")
            return  # without ids, disjointness cannot be told
        seen: dict[str, str] = {}
        for partition, content in contents.items():
            ids = content.ids or []
            if partition != "training" and len(set(ids)) != len(ids):
                self.fail(f"the {partition} partition holds a sample more than once")
            for sample_id in set(ids):
                if sample_id in seen:
                    self.fail(f"sample {sample_id} appears in {seen[sample_id]} and in {partition}")
                seen[sample_id] = partition
        if self.expected_samples is not None and len(seen) != self.expected_samples:
            self.fail(f"the partitions hold {len(seen)} distinct samples, the dataset has {self.expected_samples}")
        labels = loader.labels
        for content in contents.values() if self.classes else ():
            for sample_id, label in zip(content.ids or [], content.labels):
                folders = set(PurePath(sample_id).parts[:-1]) & set(labels)
                if folders and labels[label] not in folders:
                    self.fail(f"sample {sample_id} is labeled {labels[label]!r}")

    def check_seeds(self) -> None:
        """The same seed gives the same partitions and order; training is reshuffled per epoch."""
        first, second = self.loaded(), self.loaded()
        for partition in PARTITIONS:
            a, b = self.read(first, partition, 1), self.read(second, partition, 1)
            same_ids = a.ids == b.ids
            same_x = len(a.x) == len(b.x) and all(np.array_equal(u, v) for u, v in zip(a.x, b.x))
            if not same_ids or not same_x or a.labels != b.labels:
                self.fail(f"two loads with seed {self.seed} give different {partition} samples at epoch 1")
        epoch1, epoch2 = self.read(first, "training", 1), self.read(first, "training", 2)
        if epoch1.ids is not None and len(epoch1.ids) >= 6:
            if epoch1.ids == epoch2.ids:
                self.fail("the training partition comes in the same order at epochs 1 and 2 (it must be reshuffled per epoch)")
            if set(epoch1.ids) != set(epoch2.ids):
                self.fail("the training partition holds different samples at epochs 1 and 2")
            first_labels = dict(zip(epoch1.ids, epoch1.labels))
            for sample_id, label in zip(epoch2.ids or [], epoch2.labels):
                if first_labels.get(sample_id, label) != label:
                    self.fail(f"sample {sample_id} changes label between epochs 1 and 2")
            other = self.read(self.loaded(self.seed + 1), "training", 1)
            if other.ids == epoch1.ids:
                self.fail(f"seeds {self.seed} and {self.seed + 1} give the same training samples in the same order")

    def run(self) -> None:
        """Every data loader check, in order."""
        self.check_description()
        self.check_partitions()
        self.check_seeds()


def check_data_loader(
    loader: type[DataLoader] | DataLoader,
    options: dict[str, Any] | None = None,
    *,
    seed: int = 0,
    expected_samples: int | None = None,
    expected_labels: list[str] | None = None,
) -> None:
    """Check that a data loader plugin honours the data loader contract; raise AssertionError if not.

    Checks: unique labels, sample shape, minibatch shapes, targets as the loader's task wants them
    (one-hot rows for classification, finite numbers for regression), values in the loader's
    ``sample_range`` (0..1 by default),
    sizes that match the minibatches, partitions disjoint and complete (by sample ids), labels
    consistent with class folders in the ids, the same seed reproducing partitions and order,
    training reshuffled per epoch.

    Args:
        loader: the loader class (built with ``options``), or an instance (rebuilt from its options).
        options: constructor options, e.g. ``{"datasets_path": tmp_path, "dataset": "tiny"}``
            with a dataset from :func:`nnplug.testing.make_image_dataset`.
        seed: the load seed.
        expected_samples: how many samples the dataset has.
        expected_labels: the class names of the dataset.
    """
    factory = plugin_factory(loader, options, DataLoader)
    DataLoaderContract(factory, seed, expected_samples, expected_labels).run()
