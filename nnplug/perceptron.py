"""What the multi-layer perceptrons of every engine share: the checks of their architecture options.

``NLayers`` (numpy) and ``NLayersTorch`` (torch) offer the same architecture (hidden dense
layers with dropout, batch normalization and leaky ReLU, then an output activation) with the
same options; each engine builds the network its own way, but the options are checked here,
once, so both refuse the same values with the same one-line message. Part of the public API
(``nnplug.check_perceptron_options``): a perceptron of another engine uses it too.
"""
from __future__ import annotations

from typing import Iterable

from nnplug.errors import NnplugError

#: The last activation of a perceptron: class probabilities, independent values in 0..1, real values.
OUTPUTS: tuple[str, ...] = ("softmax", "sigmoid", "linear")


def check_perceptron_options(
    layers: Iterable[int],
    dropout_rate: float,
    leaky_relu_slope: float,
    batch_norm_momentum: float,
    initializer: str,
    initializers: Iterable[str],
    output: str = "softmax",
) -> list[int]:
    """Refuse architecture options that make no sense (one line naming the option); return the hidden sizes as ints.

    Args:
        layers: units of each hidden layer (positive integers; empty: no hidden layer).
        dropout_rate: share of activations dropped while training, in [0, 1).
        leaky_relu_slope: slope of the hidden activations for negative inputs (0 or more).
        batch_norm_momentum: share of the running statistics kept per minibatch, in [0, 1).
        initializer: the name of the initial values of the dense weights.
        initializers: the initializer names the engine offers.
        output: the last activation, one of :data:`OUTPUTS`.

    Raises:
        NnplugError: the first option out of its range.
    """
    layers = list(layers)
    if any(int(units) != units or units <= 0 for units in layers):
        raise NnplugError(f"--layers must be positive integers, got {','.join(str(u) for u in layers)}")
    if not 0.0 <= dropout_rate < 1.0:
        raise NnplugError(f"--dropout-rate must be in [0, 1), got {dropout_rate}")
    if leaky_relu_slope < 0:
        raise NnplugError(f"--leaky-relu-slope must be 0 or more, got {leaky_relu_slope}")
    if not 0.0 <= batch_norm_momentum < 1.0:
        raise NnplugError(f"--batch-norm-momentum must be in [0, 1), got {batch_norm_momentum}")
    available = list(initializers)
    if initializer not in available:
        raise NnplugError(f"unknown initializer {initializer!r} (available: {', '.join(available)})")
    if output not in OUTPUTS:
        raise NnplugError(f"--output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    return [int(units) for units in layers]
