"""Two-sided finite differences on single entries of engine arrays, with dtype-aware tolerances."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnplug.engine import Engine


@dataclass(frozen=True)
class Tolerance:
    """How finely to differentiate numerically and how closely analytic gradients must agree.

    Attributes:
        epsilon: the finite-difference step.
        retry_epsilon: the step of the second look when the first disagrees: a smaller central
            difference and both one-sided ones (a kink of a ReLU-like activation near or at the
            point blurs the first estimate; a wrong gradient disagrees with all of them).
        rtol: accepted relative difference.
        atol: accepted absolute difference (for gradients near zero).
    """

    epsilon: float
    retry_epsilon: float
    rtol: float
    atol: float

    def agree(self, analytic: float, numerical: float) -> bool:
        """Whether an analytic gradient matches its numerical estimate."""
        return abs(analytic - numerical) <= self.atol + self.rtol * max(abs(analytic), abs(numerical))


#: float64 cost functions allow small steps and tight tolerances; float32 ones need larger steps.
TOLERANCES = {
    "float64": Tolerance(epsilon=1e-6, retry_epsilon=1e-7, rtol=1e-4, atol=1e-7),
    "float32": Tolerance(epsilon=1e-3, retry_epsilon=2.5e-4, rtol=5e-2, atol=1e-3),
}


def tolerance_for(engine: Engine, value: Any) -> Tolerance:
    """The tolerance suited to the dtype of the engine array ``value`` (float32 rules for anything not float64)."""
    return TOLERANCES["float64" if engine.dtype_name(value) == "float64" else "float32"]


def central_difference(engine: Engine, value: Any, index: tuple[int, ...], cost: Callable[[], float], epsilon: float) -> float:
    """(cost(v + eps) - cost(v - eps)) / 2 eps at ``value[index]`` (an engine array); the entry is restored after."""
    plus, _, minus = _costs_around(engine, value, index, cost, epsilon)
    return (plus - minus) / (2 * epsilon)


def one_sided_differences(
    engine: Engine, value: Any, index: tuple[int, ...], cost: Callable[[], float], epsilon: float
) -> tuple[float, float]:
    """The forward and backward difference quotients at ``value[index]`` (entry restored after).

    At a kink (a ReLU input exactly at 0, say) the central difference averages the two sides,
    while an analytic gradient takes one of them: comparing with each side tells a kink from a
    wrong gradient.
    """
    plus, here, minus = _costs_around(engine, value, index, cost, epsilon)
    return (plus - here) / epsilon, (here - minus) / epsilon


def _costs_around(
    engine: Engine, value: Any, index: tuple[int, ...], cost: Callable[[], float], epsilon: float
) -> tuple[float, float, float]:
    original = float(engine.to_numpy(value)[index])
    try:
        engine.set_entry(value, index, original + epsilon)
        plus = cost()
        engine.set_entry(value, index, original - epsilon)
        minus = cost()
    finally:
        engine.set_entry(value, index, original)
    return plus, cost(), minus


def sample_indices(shape: tuple[int, ...], count: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """Up to ``count`` distinct random positions in an array of ``shape``."""
    size = int(np.prod(shape)) if shape else 1
    flat = rng.choice(size, size=min(count, size), replace=False)
    return [tuple(int(i) for i in np.unravel_index(int(p), shape)) for p in sorted(flat)]
