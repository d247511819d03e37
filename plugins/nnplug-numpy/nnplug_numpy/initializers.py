"""Initial values of parameters, drawn from the model's seeded numpy generator.

Every initializer is a function ``(rng, shape, fan_in, fan_out) -> float64 array``; layers cast
the result to the model's dtype, so float32 and float64 models start from the same values.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from nnplug.errors import NnplugError

Initializer = Callable[[np.random.Generator, tuple[int, ...], int, int], np.ndarray]


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """Uniform in ±sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def glorot_normal(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """Normal with standard deviation sqrt(2 / (fan_in + fan_out))."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def kaiming(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """Normal with standard deviation sqrt(2 / fan_in) (He et al., 2015: suits ReLU layers)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def rand(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """Uniform in [0, 1): the naive choice, kept to show the instability it causes."""
    return rng.random(size=shape)


def zero(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """All zeros."""
    return np.zeros(shape)


def one(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    """All ones."""
    return np.ones(shape)


#: Initializers by the name models accept in their ``initializer`` option.
INITIALIZERS: dict[str, Initializer] = {
    "GlorotUniform": glorot_uniform,
    "GlorotNormal": glorot_normal,
    "Kaiming": kaiming,
    "Rand": rand,
    "Zero": zero,
    "One": one,
}


def initializer(name: str) -> Initializer:
    """The initializer called ``name``, or a one-line error listing the known ones."""
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise NnplugError(f"unknown initializer {name!r} (available: {', '.join(INITIALIZERS)})") from None
