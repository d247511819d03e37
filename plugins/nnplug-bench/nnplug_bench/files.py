"""Writing a benchmark's results: JSON (everything), CSV (summary per case, raw per round), atomically."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from nnplug.files import write_text
from nnplug_bench.results import BenchResult

SUMMARY_FIELDS = [
    "suite", "group", "case", "baseline", "status", "reason", "metric", "unit", "count", "median", "minimum",
    "maximum", "trimmed_mean", "std", "ratio_median", "ratio_minimum", "ratio_maximum", "peak_rss_mb",
]
RAW_FIELDS = ["suite", "group", "case", "metric", "unit", "round", "value"]


def _json_ready(value):
    """``value`` with NaN and infinities replaced by None (strict JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def _csv(fields: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def summary_rows(result: BenchResult) -> list[dict]:
    """One row per suite, case and metric (skipped suites: one row with the reason)."""
    rows = []
    for suite in result.suites:
        if not suite.cases:
            rows.append({"suite": suite.name, "status": suite.status, "reason": suite.reason})
        for case in suite.cases:
            for metric in suite.metrics():
                summary = case.summaries.get(metric.name)
                ratio = case.ratio(metric.name)
                row = {
                    "suite": suite.name, "group": case.case.group, "case": case.case.name, "baseline": case.case.baseline,
                    "status": case.status, "reason": case.reason, "metric": metric.name, "unit": metric.unit,
                    "peak_rss_mb": case.peak_rss_mb,
                }
                if summary is not None:
                    row.update({k: v for k, v in summary.to_dict().items() if k in SUMMARY_FIELDS})
                if ratio is not None:
                    row.update(ratio_median=ratio.median, ratio_minimum=ratio.minimum, ratio_maximum=ratio.maximum)
                rows.append(row)
    return rows


def raw_rows(result: BenchResult) -> list[dict]:
    """One row per measured value (round by round), for whoever wants other statistics."""
    rows = []
    for suite in result.suites:
        units = {metric.name: metric.unit for metric in suite.metrics()}
        for case in suite.cases:
            for metric, values in case.values.items():
                for index, value in enumerate(values):
                    if value is not None:
                        rows.append({"suite": suite.name, "group": case.case.group, "case": case.case.name, "metric": metric,
                                     "unit": units.get(metric, ""), "round": index + 1, "value": value})
    return rows


def write_results(result: BenchResult, directory: Path, table: str) -> list[Path]:
    """Write ``results.json``, ``summary.csv``, ``measurements.csv`` and ``table.txt`` in ``directory``."""
    outputs = {
        "results.json": json.dumps(_json_ready(result.to_dict()), indent=2, default=str, allow_nan=False) + "\n",
        "summary.csv": _csv(SUMMARY_FIELDS, summary_rows(result)),
        "measurements.csv": _csv(RAW_FIELDS, raw_rows(result)),
        "table.txt": table + "\n",
    }
    paths = []
    for name, text in outputs.items():
        write_text(directory / name, text)
        paths.append(directory / name)
    return paths
