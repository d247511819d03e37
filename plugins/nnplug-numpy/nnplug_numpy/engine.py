"""The numpy engine: models whose arrays are numpy arrays (float64 unless a model says otherwise)."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug.engine import Engine


class NumpyEngine(Engine):
    """numpy arrays on the CPU; samples and targets in float64 (precise enough for gradient checks)."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {
        "classification": {"optimizer": "Adam", "loss": "CrossEntropy", "metric": "ClassesNumpy"},
        "regression": {"optimizer": "Adam", "loss": "MeanSquaredError", "metric": "R2"},
    }
    #: the float type of samples and targets when no array to imitate is given.
    float_dtype: ClassVar[np.dtype] = np.dtype(np.float64)

    def to_numpy(self, value: Any) -> np.ndarray:
        """The array itself (numbers become 0-d arrays)."""
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> np.ndarray:
        """``array`` with ``like``'s dtype, else as it is when float32 or float64 (other floats as
        :attr:`float_dtype`, other dtypes kept).

        float32 samples stay float32 without ``like``: a float32 model then computes on them
        without a copy (widening them here only for the model to narrow them back cost two copies
        per minibatch, ~15% of a float32 epoch), and a float64 model widens them itself.
        """
        array = np.asarray(array)
        if like is not None:
            return array.astype(np.asarray(like).dtype, copy=False)
        if np.issubdtype(array.dtype, np.floating) and array.dtype not in (np.float32, np.float64):
            return array.astype(self.float_dtype, copy=False)
        return array
