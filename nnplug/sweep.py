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


# reports ---------------------------------------------------------------------------------------
def option_values(config: dict[str, Any]) -> dict[str, Any]:
    """An experiment's recorded configuration as {flag name: value}: the trainer's options and each plugin's."""
    values = {name.replace("_", "-"): value for name, value in config.get("options", {}).items() if name != "exp_id"}
    for kind, plugin in config.get("plugins", {}).items():
        if isinstance(plugin, dict):
            values[kind.replace("_", "-")] = plugin.get("name", values.get(kind.replace("_", "-")))
            values.update({name.replace("_", "-"): value for name, value in plugin.get("options", {}).items()})
    return values


def swept_options(configs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """The options whose values differ between experiments (what a sweep varied), with each experiment's value."""
    if len(configs) < 2:
        return {}
    values = [option_values(config) for config in configs]
    names = sorted(set().union(*values))
    return {
        name: [v.get(name) for v in values]
        for name in names
        if len({json.dumps(v.get(name), sort_keys=True, default=str) for v in values}) > 1 and name not in ("save-model", "load-model")
    }


def ranked(rows: list[Any]) -> list[Any]:
    """Report rows (:class:`nnplug.report.ExperimentSummary`) best first by mean final dev metric; unmeasured last."""
    def key(row: Any) -> tuple[int, float]:
        if not row.final_dev:
            return (1, 0.0)
        mean = float(np.mean(row.final_dev))
        return (0, -mean if row.scale.higher_is_better else mean)

    return sorted(rows, key=key)


def format_ranking(rows: list[Any]) -> str:
    """``rank, experiment, mean ± std of the final dev metric`` as aligned text, best first."""
    from nnplug.report import mean_std

    lines = [(str(rank), row.exp_id, mean_std(row.final_dev, row.scale), str(row.repeats)) for rank, row in enumerate(ranked(rows), 1)]
    header = ("rank", "experiment", "final dev (mean ± std)", "repeats")
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(4)]
    text = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in [header, *lines]]
    return "\n".join(text) + "\n"


def plot_sweep(rows: list[Any], configs: list[dict[str, Any]], path: Any, title: str = "") -> Any:
    """Draw the final dev metric (mean ± std over repeats) against each swept option, one panel per option; return the path.

    Numeric options get a numeric axis (logarithmic when the values span more than a factor 10),
    others one tick per value.
    """
    from matplotlib.figure import Figure

    from nnplug.plots import save_figure

    swept = swept_options(configs)
    figure = Figure(figsize=(4.2 * max(1, len(swept)), 3.8))
    scale = rows[0].scale if rows else None
    for number, (name, values) in enumerate(swept.items(), 1):
        axes = figure.add_subplot(1, max(1, len(swept)), number)
        means = [float(np.mean(row.final_dev)) if row.final_dev else np.nan for row in rows]
        stds = [float(np.std(row.final_dev, ddof=1)) if len(row.final_dev) > 1 else 0.0 for row in rows]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if numeric:
            x = np.array(values, dtype=float)
            positive = x[x > 0]
            if len(positive) == len(x) and positive.max() / positive.min() > 10:
                axes.set_xscale("log")
        else:
            labels = sorted({value_text(v) if isinstance(v, (list, dict, bool)) else str(v) for v in values})
            x = np.array([labels.index(value_text(v) if isinstance(v, (list, dict, bool)) else str(v)) for v in values], dtype=float)
            axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        axes.errorbar(x, means, yerr=stds, fmt="o", capsize=3)
        axes.set_xlabel(name)
        axes.set_ylabel(f"final dev {scale.name if scale else 'metric'}")
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return save_figure(figure, path)
