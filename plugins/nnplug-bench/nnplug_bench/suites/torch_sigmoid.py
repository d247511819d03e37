"""The 784-100-10 sigmoid MLP on nnplug's torch engine (no plugin ships it)."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch
from torch import nn

from nnplug_torch import TorchModel


class TorchSigmoidMLP(TorchModel):
    """Dense with bias → sigmoid → dense with bias (→ softmax in the engine), on the torch engine.

    Args:
        hidden: units of the hidden layer.
        dtype: float precision of parameters and computations.
    """

    engine: ClassVar[str] = "torch"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, hidden: int = 100, dtype: Literal["float64", "float32"] = "float32") -> None:
        super().__init__(dtype, "cpu")
        self.hidden = hidden

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Create the network, Glorot-uniform weights and zero biases, seeded."""
        generator = self.make_generator(seed)
        inputs = int(np.prod(sample_shape))
        network = nn.Sequential(nn.Flatten(), nn.Linear(inputs, self.hidden), nn.Sigmoid(), nn.Linear(self.hidden, nbr_classes))
        with torch.no_grad():
            for layer in network:
                if isinstance(layer, nn.Linear):
                    nn.init.xavier_uniform_(layer.weight, generator=generator)
                    nn.init.zeros_(layer.bias)
        self.attach(network)
