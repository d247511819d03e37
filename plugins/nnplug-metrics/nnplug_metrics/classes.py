"""Classes: the share of samples whose highest score is their class."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Accuracy


class Classes(Accuracy):
    """Share of samples whose highest-scored class is their target (argmax), for every engine.

    Outputs arrive as numpy arrays (the trainer converts them with the model's engine). The
    confusion matrix (counts[true, predicted]) comes from the base class. ``ClassesNumpy`` and
    ``ClassesTorch``, the names of the two engine-specific copies this replaces, are declared
    aliases (``ClassesTorch`` pins the torch engine).
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    aliases: ClassVar[dict[str, dict]] = {"ClassesNumpy": {}, "ClassesTorch": {"engine": "torch"}}

    def predictions(self, output: np.ndarray) -> np.ndarray:
        """Index of the highest score of every sample."""
        return np.asarray(output).argmax(axis=1)
