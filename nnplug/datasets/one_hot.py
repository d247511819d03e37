"""One-hot encoding of class indices."""
from __future__ import annotations

import numpy as np


def one_hot(labels: np.ndarray, nbr_classes: int, dtype: str = "float64") -> np.ndarray:
    """Rows of zeros with a 1 in column ``labels[i]``: shape (len(labels), nbr_classes)."""
    return np.eye(nbr_classes, dtype=dtype)[np.asarray(labels, dtype=np.int64)]
