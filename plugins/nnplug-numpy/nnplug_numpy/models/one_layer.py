"""OneLayer: dense + softmax, trained through the softmax/cross-entropy shortcut."""
from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np

from nnplug.errors import NnplugError
from nnplug.loss import Loss
from nnplug_numpy.initializers import INITIALIZERS
from nnplug_numpy.layers import Dense, Layer, Softmax
from nnplug_numpy.models.numpy_model import NumpyModel


class OneLayer(NumpyModel):
    """Dense layer with bias + softmax (numpy); needs a cross-entropy loss.

    Layers ``L0_Dense`` (parameters ``L0_Dense_W`` of shape (inputs, classes) and ``L0_Dense_b``)
    and ``L1_Softmax``. Its backward starts from dCost/dz = (a − y) / N, which holds only for
    softmax followed by cross-entropy: losses declare it with ``softmax_cross_entropy = True``;
    others are refused. NLayers with ``--layers= --bias=true --batch-norm=false`` computes the
    same thing through the full softmax backward.
    """

    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    #: the last activation (checked against the task and the loss before training).
    output: ClassVar[str] = "softmax"

    def __init__(
        self,
        initializer: Literal["GlorotUniform", "GlorotNormal", "Kaiming", "Rand", "Zero", "One"] = "GlorotUniform",
        dtype: Literal["float64", "float32"] = "float64",
    ) -> None:
        """
        Args:
            initializer: initial values of the dense weights (the bias starts at 0).
            dtype: float precision of parameters and computations.
        """
        super().__init__(dtype)
        if initializer not in INITIALIZERS:
            raise NnplugError(f"unknown initializer {initializer!r} (available: {', '.join(INITIALIZERS)})")
        self.initializer = initializer

    def create_layers(self, nbr_classes: int, dropout_rng: np.random.Generator) -> list[Layer]:
        """Dense(classes, bias) then Softmax."""
        return [Dense(nbr_classes, bias=True, initializer=self.initializer), Softmax()]

    def backward(self, loss: Loss, output: Any, target: Any, cost: Any) -> None:
        """Start at the dense layer with dz = (a − y) / N (skips the softmax Jacobian)."""
        if not getattr(loss, "softmax_cross_entropy", False):
            name = getattr(loss, "plugin_name", "") or type(loss).__name__
            raise NnplugError(f"OneLayer's backward uses dz = a - y, valid only with a cross-entropy loss such as CrossEntropy, not {name}")
        output = np.asarray(output)
        dz = output - np.asarray(target, dtype=self.dtype)
        dz /= len(output)
        softmax = self.layers[-1]
        for observer in self.layer_observers:
            observer.before_backward(softmax.name)
        for observer in self.layer_observers:
            observer.after_backward(softmax.name, dz)
        self.backward_from(len(self.layers) - 2, dz)
