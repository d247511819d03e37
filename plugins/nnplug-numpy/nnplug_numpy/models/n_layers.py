"""NLayers: hidden layers with dropout, batch normalization and leaky ReLU, then softmax."""
from __future__ import annotations

from typing import Literal

import numpy as np

from nnplug.errors import NnplugError
from nnplug_numpy.initializers import INITIALIZERS
from nnplug_numpy.layers import BatchNormalization, Dense, Dropout, Layer, LeakyReLU, Softmax
from nnplug_numpy.models.numpy_model import NumpyModel


class NLayers(NumpyModel):
    """Multi-layer perceptron (numpy): dense → dropout → batch norm → leaky ReLU per hidden layer.

    For each size in ``layers``: Dense(size) → Dropout → BatchNormalization → LeakyReLU; then
    Dense(classes) → Dropout → BatchNormalization → Softmax. Without batch norm the
    BatchNormalization layers are left out; Dropout layers are always there (identity when the
    rate is 0) so names do not depend on the rate.

    Names, with position counting every layer from 0: with ``--layers=100`` and batch norm,
    ``L0_Dense_W`` (inputs, 100), ``L2_BatchNormalization_gamma`` / ``_beta`` (100),
    ``L4_Dense_W`` (100, classes), ``L6_BatchNormalization_gamma`` / ``_beta`` (classes); running
    statistics ``L2_BatchNormalization_running_mean`` / ``_running_var`` in ``state_dict``.
    Dense weights have shape (inputs, units) (the transpose of ``torch.nn.Linear.weight``) and
    ``output = x @ W + b``; biases ``L{i}_Dense_b`` exist only with ``--bias=true``. Batch norm
    uses epsilon 1e-5 and the unbiased variance for running statistics (as PyTorch), with
    ``running = momentum * running + (1 − momentum) * batch``.
    """

    def __init__(
        self,
        layers: list[int] = [100],
        dropout_rate: float = 0.0,
        batch_norm: bool = True,
        bias: bool = False,
        leaky_relu_slope: float = 0.01,
        batch_norm_momentum: float = 0.9,
        initializer: Literal["GlorotUniform", "GlorotNormal", "Kaiming", "Rand", "Zero", "One"] = "GlorotUniform",
        dtype: Literal["float64", "float32"] = "float64",
    ) -> None:
        """
        Args:
            layers: units of each hidden layer (empty: no hidden layer, e.g. --layers=).
            dropout_rate: share of activations dropped after each dense layer while training, in [0, 1).
            batch_norm: normalize after each dense layer (and its dropout).
            bias: give dense layers a bias (redundant with batch norm).
            leaky_relu_slope: slope of the hidden activations for negative inputs.
            batch_norm_momentum: share of the batch-norm running statistics kept at each training minibatch, in [0, 1).
            initializer: initial values of the dense weights (biases start at 0).
            dtype: float precision of parameters and computations.
        """
        super().__init__(dtype)
        if any(int(units) != units or units <= 0 for units in layers):
            raise NnplugError(f"--layers must be positive integers, got {','.join(str(u) for u in layers)}")
        if not 0.0 <= dropout_rate < 1.0:
            raise NnplugError(f"--dropout-rate must be in [0, 1), got {dropout_rate}")
        if leaky_relu_slope < 0:
            raise NnplugError(f"--leaky-relu-slope must be 0 or more, got {leaky_relu_slope}")
        if not 0.0 <= batch_norm_momentum < 1.0:
            raise NnplugError(f"--batch-norm-momentum must be in [0, 1), got {batch_norm_momentum}")
        if initializer not in INITIALIZERS:
            raise NnplugError(f"unknown initializer {initializer!r} (available: {', '.join(INITIALIZERS)})")
        self.hidden = [int(units) for units in layers]
        self.dropout_rate = float(dropout_rate)
        self.batch_norm = batch_norm
        self.bias = bias
        self.leaky_relu_slope = leaky_relu_slope
        self.batch_norm_momentum = batch_norm_momentum
        self.initializer = initializer

    def create_layers(self, nbr_classes: int, dropout_rng: np.random.Generator) -> list[Layer]:
        """The hidden blocks then the output block."""
        layers: list[Layer] = []
        sizes = [*self.hidden, nbr_classes]
        for position, units in enumerate(sizes):
            layers.append(Dense(units, bias=self.bias, initializer=self.initializer))
            layers.append(Dropout(self.dropout_rate, dropout_rng))
            if self.batch_norm:
                layers.append(BatchNormalization(self.batch_norm_momentum))
            output_block = position == len(sizes) - 1
            layers.append(Softmax() if output_block else LeakyReLU(self.leaky_relu_slope))
        return layers
