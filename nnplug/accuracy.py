"""The accuracy plugin kind (entry-point group ``nnplug.accuracies``)."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np

from nnplug.plugin import Plugin


class Accuracy(Plugin):
    """Turns model outputs into predicted classes and scores them against the targets."""

    kind: ClassVar[str] = "accuracy"

    @abstractmethod
    def predictions(self, output: Any) -> np.ndarray:
        """Return the predicted class index of every sample, as a numpy int array."""

    def measure(self, output: Any, target: Any) -> float:
        """Return the share of samples whose prediction matches the target, in 0..1."""
        return float(np.mean(self.predictions(output) == self.targets(target)))

    def targets(self, target: Any) -> np.ndarray:
        """Return the class index of every one-hot target, as a numpy int array."""
        return np.asarray(_to_numpy(target)).argmax(axis=1)

    def confusion_matrix(self, output: Any, target: Any, nbr_classes: int) -> np.ndarray:
        """Return counts[true, predicted] for the given outputs and one-hot targets."""
        counts = np.zeros((nbr_classes, nbr_classes), dtype=np.int64)
        np.add.at(counts, (self.targets(target), self.predictions(output)), 1)
        return counts


def _to_numpy(value: Any) -> Any:
    """Return ``value`` as something numpy can read (torch tensors are detached and moved to CPU)."""
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return value
