"""NLayersTorch: the NLayers architecture computed by torch."""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import ClassVar, Literal

import numpy as np
import torch
from torch import nn

from nnplug import check_perceptron_options
from nnplug_torch.dropout import SeededDropout
from nnplug_torch.initializers import INITIALIZERS, dense_weights
from nnplug_torch.model import TorchModel


class NLayersTorch(TorchModel):
    """Multi-layer perceptron (torch): linear → dropout → batch norm → leaky ReLU per hidden layer.

    The same network and options as the numpy NLayers: for each size in ``layers``, block ``i``
    is ``l{i}_linear`` → ``l{i}_dropout`` (when ``--dropout-rate`` > 0) → ``l{i}_batch_norm`` →
    ``l{i}_leaky_relu``; the last
    block (``i = len(layers)``) maps to the outputs and ends with the model's output activation
    (``--output``: softmax, sigmoid or linear) instead of a leaky ReLU. Parameters are named as in the module (``l0_linear.weight`` of shape
    (units, inputs), the transpose of NLayers' ``L0_Dense_W``). Initial weights are drawn like
    the numpy engine's (same seed, same values); dropout masks come from the model's torch
    generator. Samples are flattened to one row each.
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
        device: Literal["cpu", "cuda", "auto"] = "cpu",
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
            device: where torch computes: cpu, cuda or auto (cuda when available).
            output: the last activation: softmax (classification), sigmoid (values in 0..1) or linear (regression).
        """
        hidden = check_perceptron_options(layers, dropout_rate, leaky_relu_slope, batch_norm_momentum, initializer, INITIALIZERS, output)
        super().__init__(dtype, device)
        self.hidden = hidden
        self.dropout_rate = float(dropout_rate)
        self.batch_norm = batch_norm
        self.bias = bias
        self.leaky_relu_slope = leaky_relu_slope
        self.batch_norm_momentum = batch_norm_momentum
        self.initializer = initializer
        self.output = output

    def parameter_names(self) -> list[str]:
        """The parameter names :meth:`build` creates (they depend on the options only): a copy is built on one input feature."""
        probe = copy.copy(self)
        probe.build((1,), 2, 0)
        return [param.name for param in probe.parameters()]

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Create the blocks for flattened samples of ``sample_shape`` and ``nbr_classes`` outputs."""
        init_seed, dropout_seed = np.random.SeedSequence(int(seed)).spawn(2)
        init_rng = np.random.default_rng(init_seed)
        generator = self.make_generator(int(dropout_seed.generate_state(1)[0]))
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        if len(sample_shape) > 1:
            modules["flatten"] = nn.Flatten()
        inputs = int(np.prod(sample_shape))
        sizes = [*self.hidden, nbr_classes]
        for block, units in enumerate(sizes):
            # skip_init: torch's default initialization would draw from (and move) the global RNG
            linear = nn.utils.skip_init(nn.Linear, inputs, units, bias=self.bias, dtype=self.dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(dense_weights(self.initializer, init_rng, inputs, units).T))
                if linear.bias is not None:
                    linear.bias.zero_()
            modules[f"l{block}_linear"] = linear
            if self.dropout_rate:  # without dropout, no module: nothing to call
                modules[f"l{block}_dropout"] = SeededDropout(self.dropout_rate, generator)
            if self.batch_norm:
                modules[f"l{block}_batch_norm"] = nn.BatchNorm1d(units, eps=1e-5, momentum=1.0 - self.batch_norm_momentum)
            if block < len(sizes) - 1:
                modules[f"l{block}_leaky_relu"] = nn.LeakyReLU(self.leaky_relu_slope)
            inputs = units
        self.attach(nn.Sequential(modules))
