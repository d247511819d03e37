"""The two networks the engines suite compares, described once for every engine.

``sigmoid``: 784-100-10, dense with bias → sigmoid → dense with bias → softmax, the network of
the C++ framework's comparison with Keras. ``nlayers``: nnplug's NLayers with ``--layers=100``
(dense without bias → batch norm → leaky ReLU 0.01 → dense without bias → batch norm → softmax;
dropout rate 0, the default). All trained with Adam (learning rate 0.001) on minibatches of 100.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Architecture:
    """A network of the engines suite.

    Attributes:
        key: ``sigmoid`` or ``nlayers``.
        title: the group name in tables and plots.
        hidden: units of the hidden layer.
    """

    key: str
    title: str
    hidden: int = 100


SIGMOID = Architecture("sigmoid", "MLP 784-100-10 sigmoid")
NLAYERS = Architecture("nlayers", "NLayers 100")
ARCHITECTURES = (SIGMOID, NLAYERS)
#: Adam's step size, the default of every engine's Adam.
LEARNING_RATE = 0.001
