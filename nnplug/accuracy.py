"""Accuracy: the base of classification metrics that predict one class per sample.

Accuracies are metrics (kind ``metric``); the ``nnplug.accuracies`` entry-point group and the
``--accuracy`` option still select them. An accuracy gives the predicted class of every sample
(:meth:`Accuracy.predictions`), which also makes the confusion matrix.
"""
from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from nnplug.metric import Metric


class Accuracy(Metric):
    """Share of samples whose predicted class is their target class, over a whole partition.

    Subclasses give :meth:`predictions`; override :meth:`correct` for another notion of right
    (top-k, for instance). Outputs and targets are numpy arrays, targets one-hot.
    """

    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    display_name: ClassVar[str] = "accuracy"
    low: ClassVar[float | None] = 0.0
    high: ClassVar[float | None] = 1.0
    unit: ClassVar[str] = "%"
    higher_is_better: ClassVar[bool] = True

    _right: float = 0.0
    _count: int = 0

    @abstractmethod
    def predictions(self, output: np.ndarray) -> np.ndarray:
        """Return the predicted class index of every sample, as a numpy int array."""

    def correct(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Whether each sample is right (booleans): its prediction is its target class."""
        return self.predictions(output) == self.targets(target)

    def targets(self, target: np.ndarray) -> np.ndarray:
        """Return the class index of every one-hot target, as a numpy int array."""
        return np.asarray(target).argmax(axis=1)

    def reset(self) -> None:
        """Start counting again."""
        self._right = 0.0
        self._count = 0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Count the right samples of one minibatch."""
        right = np.asarray(self.correct(np.asarray(output), np.asarray(target)))
        self._right += float(right.sum())
        self._count += int(right.size)

    def compute(self) -> float:
        """Share of right samples since :meth:`reset`, in 0..1."""
        return self._right / self._count if self._count else float("nan")

    def confusion_matrix(self, output: np.ndarray, target: np.ndarray, nbr_classes: int) -> np.ndarray:
        """Return counts[true, predicted] for the given outputs and one-hot targets."""
        counts = np.zeros((nbr_classes, nbr_classes), dtype=np.int64)
        np.add.at(counts, (self.targets(target), self.predictions(np.asarray(output))), 1)
        return counts
