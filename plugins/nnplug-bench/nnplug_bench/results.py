"""Benchmark results as plain data: the table, the CSV/JSON files and the plots all read these."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nnplug_bench.statistics import Summary
from nnplug_bench.suite import Case, Metric

#: the states of a case or suite.
OK, SKIPPED, FAILED = "ok", "skipped", "failed"


@dataclass
class CaseResult:
    """Every measurement of one case and what they come down to.

    Attributes:
        case: the configuration.
        status: ``ok``, ``skipped`` (cannot run here) or ``failed`` (raised while measured).
        reason: why skipped or failed.
        values: per metric, the value of every measured round (None for a round that failed).
        summaries: per metric, median, min–max, trimmed mean and std over the rounds.
        ratios: per metric, the round-by-round ratios to the group's baseline.
        ratio_summaries: per metric, the summary of those ratios.
        peak_rss_mb: peak resident memory of one run of the case alone in a fresh process.
    """

    case: Case
    status: str = OK
    reason: str = ""
    values: dict[str, list[float | None]] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    ratio_summaries: dict[str, Summary] = field(default_factory=dict)
    peak_rss_mb: float | None = None

    def median(self, metric: str) -> float | None:
        """The median of ``metric`` (None when not measured)."""
        summary = self.summaries.get(metric)
        return None if summary is None or summary.count == 0 else summary.median

    def ratio(self, metric: str) -> Summary | None:
        """The summary of the ratios of ``metric`` to the baseline (None when there is none)."""
        summary = self.ratio_summaries.get(metric)
        return None if summary is None or summary.count == 0 else summary

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return {
            "group": self.case.group,
            "name": self.case.name,
            "baseline": self.case.baseline,
            "params": dict(self.case.params),
            "status": self.status,
            "reason": self.reason,
            "values": self.values,
            "summaries": {k: v.to_dict() for k, v in self.summaries.items()},
            "ratios": self.ratios,
            "ratio_summaries": {k: v.to_dict() for k, v in self.ratio_summaries.items()},
            "peak_rss_mb": self.peak_rss_mb,
        }


@dataclass
class TargetCheck:
    """A suite goal judged on the measured ratio (median of the round-by-round ratios) or value (median)."""

    group: str
    case: str
    baseline: str
    metric: str
    goal: str
    ratio: float
    met: bool
    on_value: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return asdict(self)


@dataclass
class SuiteResult:
    """One suite's outcome.

    Attributes:
        name: the suite's name.
        description: its one-line description.
        status: ``ok``, or ``skipped`` with the reason (a dependency missing).
        primary: the metric of ratios and plots.
        secondary: the other metrics.
        cases: one result per case, in the suite's order.
        targets: the goals judged.
        notes: lines of context from the suite.
        seconds: wall time the suite took (memory probes included).
    """

    name: str
    description: str
    status: str = OK
    reason: str = ""
    primary: Metric | None = None
    secondary: tuple[Metric, ...] = ()
    cases: list[CaseResult] = field(default_factory=list)
    targets: list[TargetCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plot_x: str | None = None
    plot_title: str = ""
    seconds: float = 0.0

    def metrics(self) -> tuple[Metric, ...]:
        """Primary then secondary metrics."""
        return ((self.primary,) if self.primary else ()) + tuple(self.secondary)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "reason": self.reason,
            "primary": asdict(self.primary) if self.primary else None,
            "secondary": [asdict(m) for m in self.secondary],
            "cases": [c.to_dict() for c in self.cases],
            "targets": [t.to_dict() for t in self.targets],
            "notes": self.notes,
            "plot_x": self.plot_x,
            "plot_title": self.plot_title,
            "seconds": self.seconds,
        }


@dataclass
class BenchResult:
    """One ``nnplug bench`` invocation: how it ran, on what machine, and every suite's result."""

    started: str
    options: dict[str, Any]
    machine: dict[str, Any]
    suites: list[SuiteResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return {"started": self.started, "options": self.options, "machine": self.machine, "suites": [s.to_dict() for s in self.suites]}
