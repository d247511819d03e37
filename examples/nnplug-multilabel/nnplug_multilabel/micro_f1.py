"""Micro-averaged F1 of thresholded label probabilities, exact over a whole partition."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Metric, NnplugError


class MicroF1(Metric):
    """Micro-averaged F1 score: 2·TP / (2·TP + FP + FN) over every label of every sample.

    F1 is not a mean of per-minibatch values, so the counts are accumulated over the partition and
    the score computed once. A partition without any label, predicted or true, scores 1.

    Args:
        threshold: probability from which a label is predicted.
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("multilabel",)
    display_name: ClassVar[str] = "micro F1"
    low: ClassVar[float | None] = 0.0
    high: ClassVar[float | None] = 1.0
    unit: ClassVar[str] = "%"
    higher_is_better: ClassVar[bool] = True

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 < threshold < 1.0:
            raise NnplugError(f"--threshold must be in (0, 1), got {threshold}")
        self.threshold = threshold
        self.reset()

    def reset(self) -> None:
        """Zero the counts."""
        self.true_positives = self.false_positives = self.false_negatives = self.samples = 0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Count one minibatch's true positives, false positives and false negatives."""
        predicted = np.asarray(output) >= self.threshold
        actual = np.asarray(target) == 1
        self.true_positives += int(np.sum(predicted & actual))
        self.false_positives += int(np.sum(predicted & ~actual))
        self.false_negatives += int(np.sum(~predicted & actual))
        self.samples += len(actual)

    def compute(self) -> float:
        """F1 from the counts since :meth:`reset` (NaN before any update)."""
        if not self.samples:
            return float("nan")
        denominator = 2 * self.true_positives + self.false_positives + self.false_negatives
        return 1.0 if denominator == 0 else 2 * self.true_positives / denominator
