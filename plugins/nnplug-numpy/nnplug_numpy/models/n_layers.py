"""NLayers: hidden layers with dropout, batch normalization and leaky ReLU, then softmax, sigmoid or linear output."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from nnplug import check_perceptron_options
from nnplug_numpy.initializers import INITIALIZERS
from nnplug_numpy.layers import BatchNormalization, Dense, Dropout, Layer, LeakyReLU, Sigmoid, Softmax
from nnplug_numpy.models.numpy_model import NumpyModel


#: --output values and the layer that ends the model (None: linear, no activation).
OUTPUTS: dict[str, type[Layer] | None] = {"softmax": Softmax, "sigmoid": Sigmoid, "linear": None}


class NLayers(NumpyModel):
    """Multi-layer perceptron (numpy): dense → dropout → batch norm → leaky ReLU per hidden layer.

    For each size in ``layers``: Dense(size) → Dropout → BatchNormalization → LeakyReLU; then
    Dense(outputs) → Dropout → BatchNormalization → the output: Softmax (class probabilities, for
    classification with CrossEntropy), Sigmoid (independent values in 0..1) or nothing (linear:
    real values, for regression with MeanSquaredError). Without batch norm the
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

    #: a generic function approximator: every task, its --output checked against the task before training.
    tasks: ClassVar[tuple[str, ...]] = ("any",)

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
        output: Literal["softmax", "sigmoid", "linear"] = "softmax",
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
            output: the last activation: softmax (classification), sigmoid (values in 0..1) or linear (regression).
        """
        super().__init__(dtype)
        self.hidden = check_perceptron_options(layers, dropout_rate, leaky_relu_slope, batch_norm_momentum, initializer, INITIALIZERS, output)
        self.dropout_rate = float(dropout_rate)
        self.batch_norm = batch_norm
        self.bias = bias
        self.leaky_relu_slope = leaky_relu_slope
        self.batch_norm_momentum = batch_norm_momentum
        self.initializer = initializer
        #: the last activation, checked against the task and the loss before training.
        self.output = output

    def create_layers(self, nbr_classes: int, dropout_rng: np.random.Generator) -> list[Layer]:
        """The hidden blocks then the output block."""
        layers: list[Layer] = []
        sizes = [*self.hidden, nbr_classes]
        for position, units in enumerate(sizes):
            layers.append(Dense(units, bias=self.bias, initializer=self.initializer))
            layers.append(Dropout(self.dropout_rate, dropout_rng))
            if self.batch_norm:
                layers.append(BatchNormalization(self.batch_norm_momentum))
            activation = OUTPUTS[self.output] if position == len(sizes) - 1 else LeakyReLU
            if activation is LeakyReLU:
                layers.append(LeakyReLU(self.leaky_relu_slope))
            elif activation is not None:
                layers.append(activation())
        return layers
