"""The 784-100-10 sigmoid MLP built from the numpy engine's public layers (no plugin ships it)."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from nnplug_numpy import Dense, Layer, NumpyModel, Sigmoid, Softmax


class NumpySigmoidMLP(NumpyModel):
    """Dense with bias → sigmoid → dense with bias → softmax, on the numpy engine.

    Args:
        hidden: units of the hidden layer.
        dtype: float precision of parameters and computations.
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, hidden: int = 100, dtype: Literal["float64", "float32"] = "float32") -> None:
        super().__init__(dtype)
        self.hidden = hidden

    def create_layers(self, nbr_classes: int, dropout_rng: np.random.Generator) -> list[Layer]:
        """The four layers of the network."""
        return [Dense(self.hidden, bias=True), Sigmoid(), Dense(nbr_classes, bias=True), Softmax()]
