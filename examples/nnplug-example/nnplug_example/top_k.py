"""Top-k accuracy: a sample counts as right when its class is among the k highest scores."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug import Accuracy, NnplugError


class TopK(Accuracy):
    """Share of samples whose target class is among the top_k highest-scored classes.

    Predictions (confusion matrices, reports) stay the single highest-scored class.

    Args:
        top_k: how many of the highest-scored classes may hold the target (1 is plain accuracy).
    """

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, top_k: int = 2) -> None:
        if top_k < 1:
            raise NnplugError(f"--top-k must be 1 or more, got {top_k}")
        self.top_k = top_k

    def predictions(self, output: Any) -> np.ndarray:
        """The highest-scored class of every sample."""
        return np.asarray(output).argmax(axis=1)

    def correct(self, output: Any, target: Any) -> np.ndarray:
        """Whether each sample's target ranks in the top_k scores (ties count in its favour)."""
        scores = np.asarray(output)
        truth = self.targets(target)
        target_scores = scores[np.arange(len(truth)), truth]
        higher = (scores > target_scores[:, None]).sum(axis=1)
        return higher < self.top_k
