"""Compare saved runs: one table row per experiment, from the runs' ``run.json``.

Used by ``nnplug report RUN_DIR...``; runs made on different days compare in one table.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

from nnplug.results import ExperimentResult, RepeatResult
from nnplug.runs import SavedRun


@dataclass
class ExperimentSummary:
    """What the comparison table shows of one experiment of one run.

    Accuracies are in 0..1; ``None`` where nothing was measured (no dev partition).
    """

    run: str
    exp_id: str
    status: str
    repeats: int
    final_dev: list[float]
    best_dev: list[float]
    epochs: list[int]
    seconds_per_epoch: float | None


def final_dev_accuracy(repeat: RepeatResult) -> float | None:
    """The dev accuracy after training (the last epoch's when the run was cut short)."""
    if repeat.final_dev_accuracy is not None:
        return repeat.final_dev_accuracy
    measured = [m.dev_accuracy for m in repeat.epochs if m.dev_accuracy is not None]
    return measured[-1] if measured else None


def best_dev_accuracy(repeat: RepeatResult) -> float | None:
    """The best dev accuracy measured during or after training."""
    measured = [m.dev_accuracy for m in repeat.epochs if m.dev_accuracy is not None]
    if repeat.final_dev_accuracy is not None:
        measured.append(repeat.final_dev_accuracy)
    return max(measured) if measured else None


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
    return ExperimentSummary(
        run=run,
        exp_id=result.exp_id,
        status=status,
        repeats=len(repeats),
        final_dev=[v for v in map(final_dev_accuracy, repeats) if v is not None],
        best_dev=[v for v in map(best_dev_accuracy, repeats) if v is not None],
        epochs=[len(r.epochs) for r in repeats],
        seconds_per_epoch=sum(durations) / len(durations) if durations else None,
    )


def mean_std(values: Sequence[float]) -> str:
    """``"97.33% ± 1.15"`` (percent, sample standard deviation), ``"n/a"`` when empty."""
    if not values:
        return "n/a"
    mean = 100 * statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.2f}%"
    return f"{mean:.2f}% ± {100 * statistics.stdev(values):.2f}"


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
    header = ["run", "experiment", "repeats", "final dev accuracy", "best dev accuracy", "epochs", "time/epoch", "status"]
    body = [
        [r.run, r.exp_id, str(r.repeats), mean_std(r.final_dev), mean_std(r.best_dev), _epochs(r.epochs), _seconds(r.seconds_per_epoch), r.status]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}
    lines = []
    for line in [header, *body]:
        cells = [cell.rjust(widths[i]) if i in numeric and line is not header else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    note = "accuracies: mean ± sample standard deviation over repeats"
    return "\n".join(lines) + "\n" + note + "\n"
