"""Sweeps: one experiment expanded into a grid (or random points) over option values.

``--sweep='{"learning-rate":[0.001,0.003],"layers":[[100],[50,20]]}'`` makes one experiment per
combination, each with its repeats; ``--sweep-samples=N`` draws N points of that grid at random
instead (seeded by ``--sweep-seed``). Each point is an ordinary experiment whose id says its
values (``exp1-learning-rate=0.001-layers=50,20``), so runs, reports and replays need nothing
special. Any option of the experiment (the trainer's or a selected plugin's) can be swept.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnplug.errors import NnplugError

#: The flags of a sweep, given among an experiment's options.
SWEEP_FLAG = "--sweep"
SAMPLES_FLAG = "--sweep-samples"
SEED_FLAG = "--sweep-seed"


class SweepOptions:
    """Options that expand one experiment into several (they belong to the experiment they stand in)."""

    def __init__(self, sweep: dict[str, Any] = {}, sweep_samples: int = 0, sweep_seed: int = 0) -> None:
        """
        Args:
            sweep: JSON object {option: [values...]}: one experiment per combination of values (a grid), each with its repeats.
            sweep_samples: draw that many random points of the sweep's grid instead of taking all (0: the whole grid).
            sweep_seed: seed of the random points of --sweep-samples.
        """
        self.sweep = dict(sweep)
        self.sweep_samples = sweep_samples
        self.sweep_seed = sweep_seed


@dataclass(frozen=True)
class SweepPoint:
    """One experiment of a sweep: the option values it takes (flag without dashes -> JSON value)."""

    values: tuple[tuple[str, Any], ...]

    def suffix(self) -> str:
        """``learning-rate=0.001-layers=50,20``: appended to the experiment id."""
        return "-".join(f"{name}={value_text(value)}" for name, value in self.values)


def value_text(value: Any) -> str:
    """A JSON value as command-line text: lists as ``a,b``, objects as JSON, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def check_sweep(sweep: dict[str, Any], known: set[str]) -> list[tuple[str, list[Any]]]:
    """The sweep's options and values, checked: names the command knows, non-empty lists.

    Args:
        sweep: the parsed ``--sweep`` object.
        known: the option names (without ``--``) the experiment may take.

    Raises:
        NnplugError: an empty sweep, an unknown option, a value that is not a non-empty list.
    """
    if not sweep:
        raise NnplugError("--sweep is empty: give {\"option\": [values...], ...}")
    axes = []
    for name, values in sweep.items():
        flag = name if name.startswith("--") else f"--{name}"
        bare = flag[2:].replace("_", "-")
        if bare in ("sweep", "sweep-samples", "sweep-seed", "exp-id", "experiment"):
            raise NnplugError(f"--sweep cannot sweep --{bare}")
        if bare not in known:
            raise NnplugError(f"--sweep names an unknown option --{bare} (not an option of this experiment's plugins; see --help)")
        if not isinstance(values, list) or not values:
            raise NnplugError(f"--sweep: the values of {bare} must be a non-empty JSON list, got {json.dumps(values)}")
        axes.append((bare, values))
    return axes


def sweep_points(axes: list[tuple[str, list[Any]]], samples: int = 0, seed: int = 0) -> list[SweepPoint]:
    """Every combination of the axes' values (grid order: the last axis varies fastest), or ``samples`` random ones.

    Random points are drawn without replacement while the grid has enough points, then with replacement.

    Raises:
        NnplugError: ``samples`` is negative.
    """
    if samples < 0:
        raise NnplugError(f"--sweep-samples must be 0 or more, got {samples}")
    names = [name for name, _ in axes]
    grid = [SweepPoint(tuple(zip(names, combination))) for combination in itertools.product(*(values for _, values in axes))]
    if not samples:
        return grid
    rng = np.random.default_rng(seed)
    if samples <= len(grid):
        return [grid[i] for i in sorted(rng.choice(len(grid), samples, replace=False))]
    return [SweepPoint(tuple((name, values[int(rng.integers(len(values)))]) for name, values in axes)) for _ in range(samples)]
