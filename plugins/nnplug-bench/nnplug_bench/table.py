"""The terminal table of a benchmark: one block per suite, one row per case."""
from __future__ import annotations

import math

from nnplug_bench.results import OK, BenchResult, CaseResult, SuiteResult
from nnplug_bench.statistics import Summary


def number(value: float | None) -> str:
    """A figure with four significant digits ('' when not measured)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}"


def spread(summary: Summary | None) -> str:
    """``min–max`` of a summary."""
    if summary is None or summary.count == 0:
        return ""
    return f"{number(summary.minimum)}–{number(summary.maximum)}"


def ratio_text(summary: Summary | None) -> str:
    """``1.12× (1.05–1.20)``: median of the paired ratios and their range."""
    if summary is None or summary.count == 0:
        return ""
    return f"{summary.median:.3g}× ({summary.minimum:.3g}–{summary.maximum:.3g})"


def grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned text columns separated by two spaces."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return lines


def case_row(suite: SuiteResult, case: CaseResult) -> list[str]:
    """The cells of one measured case."""
    primary = suite.primary.name if suite.primary else ""
    summary = case.summaries.get(primary)
    mean = "" if summary is None or summary.count == 0 else f"{number(summary.trimmed_mean)} ± {number(summary.std)}"
    ratio = "baseline" if case.case.baseline else ratio_text(case.ratio(primary))
    cells = [case.case.group, case.case.name, number(case.median(primary)), spread(summary), mean, ratio]
    cells += [number(case.median(metric.name)) for metric in suite.secondary]
    cells.append(number(case.peak_rss_mb))
    return cells


def format_suite(suite: SuiteResult) -> list[str]:
    """The block of one suite: title, table, goals, notes."""
    lines = [f"== {suite.name}: {suite.description}"]
    if suite.status != OK:
        return lines + [f"   {suite.status}: {suite.reason}", ""]
    primary = suite.primary
    header = ["group", "case", f"{primary.name} ({primary.unit}) median", "min–max", "trimmed mean ± std", "ratio to baseline"]
    header += [f"{metric.name} ({metric.unit})" for metric in suite.secondary]
    header.append("peak RSS (MB)")
    lines += grid(header, [case_row(suite, case) for case in suite.cases if case.status == OK])
    lines += [f"   {case.case.name} ({case.case.group}): {case.status}: {case.reason}" for case in suite.cases if case.status != OK]
    for check in suite.targets:
        verdict = "met" if check.met else "MISSED"
        if check.on_value:
            lines.append(f"   goal {check.case} ({check.group}) {check.metric} {check.goal}: {check.ratio:.3g} {verdict}")
        else:
            lines.append(f"   goal {check.case} / {check.baseline} ({check.group}, {check.metric}) {check.goal}: {check.ratio:.3g}× {verdict}")
    lines += [f"   {note}" for note in suite.notes]
    lines.append(f"   ({suite.seconds:.1f} s)")
    return lines + [""]


def format_bench(result: BenchResult) -> str:
    """The whole report printed at the end of ``nnplug bench``."""
    options = result.options
    head = (
        f"nnplug bench {result.started}: {options.get('repeats')} rounds after {options.get('warmup')} warm-up"
        f"{' (quick mode: figures meaningless)' if options.get('quick') else ''}; "
        f"threads {options.get('threads')}; {result.machine.get('cpus')} CPUs ({result.machine.get('processor')}), {result.machine.get('platform')}"
    )
    lines = [head, ""]
    for suite in result.suites:
        lines += format_suite(suite)
    return "\n".join(lines)
