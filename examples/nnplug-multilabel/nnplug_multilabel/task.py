"""The multilabel task: each sample carries any number of labels among ``labels``."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from nnplug import Task


class Multilabel(Task):
    """Tag each sample with every label that applies (none, one or several); targets are rows of 0 and 1.

    ``labels`` are the tag names, one model output each. Models end in a sigmoid (one independent
    probability per tag: ``--output=sigmoid`` for NLayers); there is no confusion matrix.
    """

    targets: ClassVar[str] = "rows of 0 and 1 (samples, labels): 1 where the label applies"
    confusion_matrix: ClassVar[bool] = False
    outputs: ClassVar[tuple[str, ...]] = ("sigmoid",)

    def target_problem(self, target: np.ndarray, nbr_outputs: int) -> str | None:
        """Shape (samples, labels), every entry 0 or 1."""
        problem = super().target_problem(target, nbr_outputs)
        if problem:
            return problem
        if not np.isin(target, (0, 1)).all():
            return "multilabel targets must be 0 or 1"
        return None

    def example(self, rng: np.random.Generator, batch_size: int, nbr_outputs: int) -> tuple[np.ndarray, np.ndarray]:
        """Sigmoids of random scores, and random 0/1 targets."""
        outputs = 1.0 / (1.0 + np.exp(-rng.normal(size=(batch_size, nbr_outputs))))
        return outputs, rng.integers(0, 2, size=(batch_size, nbr_outputs)).astype(np.float64)

    def near_and_far(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities 0.9 on the labels that apply (near) or on those that do not (far)."""
        return 0.9 * target + 0.1 * (1 - target), 0.1 * target + 0.9 * (1 - target)
