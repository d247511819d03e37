"""Accuracy plugins of the torch engine."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnplug import Accuracy


class ClassesTorch(Accuracy):
    """Share of samples whose highest-scoring class is the target (argmax computed by torch)."""

    def predictions(self, output: Any) -> np.ndarray:
        """Index of the highest score of every sample."""
        if isinstance(output, torch.Tensor):
            return output.detach().argmax(dim=1).cpu().numpy()
        return np.asarray(output).argmax(axis=1)

    def measure(self, output: Any, target: Any) -> float:
        """Share of correct predictions, counted by torch when the output is a tensor."""
        if not isinstance(output, torch.Tensor):
            return super().measure(output, target)
        y = torch.as_tensor(target, device=output.device)
        correct = (output.detach().argmax(dim=1) == y.argmax(dim=1)).sum()
        return int(correct) / len(output)

    def targets(self, target: Any) -> np.ndarray:
        """Index of the 1 in every one-hot target."""
        if isinstance(target, torch.Tensor):
            return target.detach().argmax(dim=1).cpu().numpy()
        return np.asarray(target).argmax(axis=1)
