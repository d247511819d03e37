"""Plots of a benchmark (matplotlib, PNG, headless): one figure per suite.

Suites with a ``plot_x`` parameter (batch size) get lines of the primary metric against it, one
per case name and group family; the others get bars of the primary metric's median per case,
with min–max whiskers, one cluster per group.
"""
from __future__ import annotations

from pathlib import Path

from nnplug.files import atomic_path
from nnplug_bench.results import OK, SuiteResult


def _save(figure, path: Path) -> None:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=110, format="png")


def _label(suite: SuiteResult) -> str:
    primary = suite.primary
    return f"{primary.name.replace('_', ' ')} ({primary.unit})"


def _bars(axes, suite: SuiteResult) -> None:
    primary = suite.primary.name
    measured = [c for c in suite.cases if c.status == OK and c.median(primary) is not None]
    groups = list(dict.fromkeys(c.case.group for c in measured))
    names = list(dict.fromkeys(c.case.name for c in measured))
    width = 0.8 / max(1, len(names))
    for offset, name in enumerate(names):
        xs, heights, low, high = [], [], [], []
        for position, group in enumerate(groups):
            for case in measured:
                if case.case.group == group and case.case.name == name:
                    summary = case.summaries[primary]
                    xs.append(position + offset * width)
                    heights.append(summary.median)
                    low.append(summary.median - summary.minimum)
                    high.append(summary.maximum - summary.median)
        axes.bar(xs, heights, width, yerr=[low, high], capsize=3, label=name)
    axes.set_xticks([p + width * (len(names) - 1) / 2 for p in range(len(groups))])
    axes.set_xticklabels(groups, fontsize=8)


def _lines(axes, suite: SuiteResult) -> None:
    primary = suite.primary.name
    series: dict[str, list[tuple[float, float, float, float]]] = {}
    for case in suite.cases:
        x = case.case.param(suite.plot_x)
        if case.status != OK or x is None or case.median(primary) is None:
            continue
        family = case.case.param("family", "")
        label = f"{case.case.name} · {family}" if family else case.case.name
        summary = case.summaries[primary]
        series.setdefault(label, []).append((float(x), summary.median, summary.minimum, summary.maximum))
    for label, points in sorted(series.items()):
        points.sort()
        xs = [p[0] for p in points]
        axes.plot(xs, [p[1] for p in points], marker="o", label=label)
        axes.fill_between(xs, [p[2] for p in points], [p[3] for p in points], alpha=0.2)
    axes.set_xlabel(suite.plot_x.replace("_", " "))
    axes.set_xticks(sorted({x for points in series.values() for x, *_ in points}))
    medians = [p[1] for points in series.values() for p in points if p[1] > 0]
    if medians and max(medians) / min(medians) > 20:
        axes.set_yscale("log")  # networks of very different sizes share the figure


def plot_suite(suite: SuiteResult, directory: Path) -> Path | None:
    """Draw ``suite``'s figure into ``directory/<suite>.png``; None when nothing was measured."""
    if suite.status != OK or suite.primary is None or not any(c.status == OK for c in suite.cases):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5))
    try:
        (_lines if suite.plot_x else _bars)(axes, suite)
        axes.set_ylabel(_label(suite))
        axes.set_title(suite.plot_title or suite.description)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        path = directory / f"{suite.name}.png"
        directory.mkdir(parents=True, exist_ok=True)
        _save(figure, path)
        return path
    finally:
        plt.close(figure)
