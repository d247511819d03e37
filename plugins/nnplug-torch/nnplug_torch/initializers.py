"""Initial values of dense weights, drawn with numpy from the model seed.

The numpy engine draws the same values in the same order (one seeded generator, one draw of a
(inputs, units) matrix per dense layer), so an NLayersTorch and an NLayers built with the same
seed start from the same weights.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from nnplug import NnplugError

Initializer = Callable[[np.random.Generator, tuple[int, int]], np.ndarray]


def _glorot_uniform(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, size=shape)


def _glorot_normal(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (shape[0] + shape[1])), size=shape)


def _kaiming(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / shape[0]), size=shape)


#: name → function(rng, (fan_in, fan_out)) returning a float64 (inputs, units) matrix.
INITIALIZERS: dict[str, Initializer] = {
    "GlorotUniform": _glorot_uniform,
    "GlorotNormal": _glorot_normal,
    "Kaiming": _kaiming,
    "Rand": lambda rng, shape: rng.random(size=shape),
    "Zero": lambda rng, shape: np.zeros(shape),
    "One": lambda rng, shape: np.ones(shape),
}


def dense_weights(name: str, rng: np.random.Generator, inputs: int, units: int) -> np.ndarray:
    """A (inputs, units) float64 matrix from initializer ``name`` (transpose it for ``nn.Linear``)."""
    try:
        return INITIALIZERS[name](rng, (inputs, units))
    except KeyError:
        raise NnplugError(f"unknown initializer {name!r} (available: {', '.join(INITIALIZERS)})") from None
