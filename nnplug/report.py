"""Compare saved runs: one table row per experiment, from the runs' ``run.json``.

Used by ``nnplug report RUN_DIR...``; runs made on different days compare in one table.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

from nnplug.metric import ACCURACY_SCALE, MetricScale
from nnplug.results import ExperimentResult, RepeatResult
from nnplug.runs import SavedRun


@dataclass
class ExperimentSummary:
    """What the comparison table shows of one experiment of one run.

    Metric values are the experiment's metric's (``scale`` says which: accuracies in 0..1, R²...);
    empty where nothing was measured (no dev partition).
    """

    run: str
    exp_id: str
    status: str
    repeats: int
    final_dev: list[float]
    best_dev: list[float]
    epochs: list[int]
    seconds_per_epoch: float | None
    scale: MetricScale = ACCURACY_SCALE


def final_dev_metric(repeat: RepeatResult) -> float | None:
    """The dev metric after training (the last epoch's when the run was cut short)."""
    if repeat.final_dev_metric is not None:
        return repeat.final_dev_metric
    measured = [m.dev_metric for m in repeat.epochs if m.dev_metric is not None]
    return measured[-1] if measured else None


def best_dev_metric(repeat: RepeatResult, higher_is_better: bool = True) -> float | None:
    """The best dev metric measured during or after training (the lowest when lower is better)."""
    measured = [m.dev_metric for m in repeat.epochs if m.dev_metric is not None and math.isfinite(m.dev_metric)]
    if repeat.final_dev_metric is not None and math.isfinite(repeat.final_dev_metric):
        measured.append(repeat.final_dev_metric)
    if not measured:
        return None
    return max(measured) if higher_is_better else min(measured)


#: Older names of the two functions above.
final_dev_accuracy = final_dev_metric
best_dev_accuracy = best_dev_metric


def summarize(run: SavedRun) -> list[ExperimentSummary]:
    """One summary per experiment of ``run``."""
    rows = []
    for result in run.experiments:
        rows.append(summarize_experiment(run.name, str(run.info.get("status", "?")), result))
    return rows


def summarize_experiment(run: str, status: str, result: ExperimentResult) -> ExperimentSummary:
    """The summary of one experiment."""
    repeats = [r for r in result.repeats if r.epochs]
    durations = [m.duration for r in repeats for m in r.epochs]
    scale = result.scale
    return ExperimentSummary(
        run=run,
        exp_id=result.exp_id,
        status=status,
        repeats=len(repeats),
        final_dev=[v for v in map(final_dev_metric, repeats) if v is not None],
        best_dev=[v for r in repeats if (v := best_dev_metric(r, scale.higher_is_better)) is not None],
        epochs=[len(r.epochs) for r in repeats],
        seconds_per_epoch=sum(durations) / len(durations) if durations else None,
        scale=scale,
    )


def mean_std(values: Sequence[float], scale: MetricScale = ACCURACY_SCALE) -> str:
    """``"97.33% ± 1.15"`` for percents, ``"0.5512 ± 0.0123"`` otherwise (sample standard deviation); ``"n/a"`` when empty."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return "n/a"
    if scale.percent:
        mean = 100 * statistics.fmean(values)
        if len(values) == 1:
            return f"{mean:.2f}%"
        return f"{mean:.2f}% ± {100 * statistics.stdev(values):.2f}"
    mean = statistics.fmean(values)
    unit = f" {scale.unit}" if scale.unit else ""
    if len(values) == 1:
        return f"{mean:.4f}{unit}"
    return f"{mean:.4f} ± {statistics.stdev(values):.4f}{unit}"


def _epochs(epochs: Sequence[int]) -> str:
    if not epochs:
        return "0"
    low, high = min(epochs), max(epochs)
    return str(low) if low == high else f"{low}–{high}"


def _seconds(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.3f}s" if value < 10 else f"{value:.1f}s"


def format_table(rows: Sequence[ExperimentSummary]) -> str:
    """The comparison table as aligned text."""
    header = ["run", "experiment", "metric", "repeats", "final dev", "best dev", "epochs", "time/epoch", "status"]
    body = [
        [r.run, r.exp_id, r.scale.name, str(r.repeats), mean_std(r.final_dev, r.scale), mean_std(r.best_dev, r.scale), _epochs(r.epochs),
         _seconds(r.seconds_per_epoch), r.status]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {3, 4, 5, 6, 7}
    lines = []
    for line in [header, *body]:
        cells = [cell.rjust(widths[i]) if i in numeric and line is not header else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = "final and best dev values of each experiment's metric: mean ± sample standard deviation over repeats"
    return "\n".join(lines) + "\n" + note + "\n"
