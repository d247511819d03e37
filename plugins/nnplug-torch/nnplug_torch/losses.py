"""Loss plugins of the torch engine."""
from __future__ import annotations

import warnings
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from nnplug import Loss, NnplugError
from nnplug_torch.tensors import as_tensor

# The trainer reads the cost with float(cost) after backward: a scalar read, not a mistake.
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar")

#: smallest probability fed to the logarithm when a model gives probabilities without logits.
CLIP = 1e-12


class CrossEntropyTorch(Loss):
    """Cross-entropy against one-hot targets (torch, differentiated by autograd).

    Models declare what their outputs are: torch models of nnplug return probabilities with the
    logits attached (``output.nnplug_logits``), and the cost is then computed from the logits
    (log-softmax: no log(0), exact gradients). Outputs without attached logits are taken as
    probabilities and clipped to [1e-12, 1] like the numpy CrossEntropy.
    """

    engine: ClassVar[str] = "torch"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    #: it reads probabilities with their logits: the model must end in a softmax.
    outputs: ClassVar[tuple[str, ...]] = ("softmax",)

    def cost(self, output: Any, target: Any) -> torch.Tensor:
        """Mean cross-entropy over the minibatch (a 0-d tensor that autograd can differentiate)."""
        if not isinstance(output, torch.Tensor):
            raise NnplugError("CrossEntropyTorch needs a torch model (NLayersTorch, OnnxTorch): use CrossEntropy with numpy models")
        logits = getattr(output, "nnplug_logits", None)
        y = as_tensor(target, output.dtype, output.device)
        if logits is not None:
            # targets are one-hot (the loader contract): class indices take torch's fused path
            return F.cross_entropy(logits, y.argmax(dim=1))
        return -(y * torch.log(output.clamp(CLIP, 1.0))).sum() / len(output)


class MeanSquaredErrorTorch(Loss):
    """Mean squared error between outputs and targets (torch, differentiated by autograd).

    ``cost = Σ (a − y)² / (N·K)`` over the N samples and K outputs (``torch.nn.functional.mse_loss``),
    the same figure as the numpy MeanSquaredError. Any model output fits (linear for regression).
    """

    engine: ClassVar[str] = "torch"
    tasks: ClassVar[tuple[str, ...]] = ("regression", "classification")

    def cost(self, output: Any, target: Any) -> torch.Tensor:
        """Mean of the squared differences over every entry (a 0-d tensor autograd differentiates)."""
        if not isinstance(output, torch.Tensor):
            raise NnplugError("MeanSquaredErrorTorch needs a torch model (NLayersTorch): use MeanSquaredError with numpy models")
        return F.mse_loss(output, as_tensor(target, output.dtype, output.device))
