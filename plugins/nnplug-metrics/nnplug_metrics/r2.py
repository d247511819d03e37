"""R2: the coefficient of determination of regression outputs, exact over a whole partition."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Metric


class R2(Metric):
    """Coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged over target columns.

    Accumulated over the whole partition (means and sums of squares merged minibatch by minibatch,
    Chan et al.'s parallel update: no loss of precision with large offsets), so the training R² is
    the R² of the epoch's outputs, not a mean of per-minibatch values. 1 is a perfect fit, 0 the
    fit of always predicting the mean; it is unbounded below. A column whose targets are all equal
    scores 1 when predicted exactly, else 0 (as scikit-learn's ``r2_score``). Several target
    columns: the plain mean of their R² (scikit-learn's ``uniform_average``).
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("regression",)
    display_name: ClassVar[str] = "R²"
    low: ClassVar[float | None] = None
    high: ClassVar[float | None] = 1.0
    unit: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every update."""
        self._count = 0
        self._mean: np.ndarray | None = None
        self._spread: np.ndarray | None = None  # Σ(y − ȳ)² per column
        self._residual: np.ndarray | None = None  # Σ(y − ŷ)² per column

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Merge one minibatch's target mean, spread and squared residuals into the totals."""
        y = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
        prediction = np.asarray(output, dtype=np.float64).reshape(len(output), -1)
        if prediction.shape != y.shape:
            raise ValueError(f"R2: outputs of shape {prediction.shape} against targets of shape {y.shape}")
        count = len(y)
        if count == 0:
            return
        mean = y.mean(axis=0)
        spread = ((y - mean) ** 2).sum(axis=0)
        residual = ((y - prediction) ** 2).sum(axis=0)
        if self._mean is None:
            self._count, self._mean, self._spread, self._residual = count, mean, spread, residual
            return
        total = self._count + count
        delta = mean - self._mean
        self._spread = self._spread + spread + delta**2 * self._count * count / total
        self._mean = self._mean + delta * count / total
        self._residual = self._residual + residual
        self._count = total

    def compute(self) -> float:
        """R² over every update since :meth:`reset` (NaN when nothing was updated)."""
        if self._mean is None:
            return float("nan")
        scores = np.where(
            self._spread > 0,
            1.0 - self._residual / np.where(self._spread > 0, self._spread, 1.0),
            np.where(self._residual == 0, 1.0, 0.0),
        )
        return float(scores.mean())
