"""Summaries of repeated measurements: median and min–max, trimmed mean and standard deviation."""
from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any, Sequence


@dataclass
class Summary:
    """What a list of repeated values comes down to.

    Attributes:
        count: number of values.
        median: the median (the headline figure: robust to a noisy outlier).
        minimum: the smallest value.
        maximum: the largest value.
        trimmed_mean: mean after dropping the ``trim`` share of lowest and highest values.
        std: standard deviation of the kept values (0 with fewer than two).
    """

    count: int
    median: float
    minimum: float
    maximum: float
    trimmed_mean: float
    std: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return asdict(self)


def summarize(values: Sequence[float], trim: float = 0.1) -> Summary:
    """Summarize ``values`` (NaN when empty); ``trim`` is the share cut at each end for the trimmed mean."""
    finite = sorted(v for v in values if v is not None and math.isfinite(v))
    if not finite:
        nan = float("nan")
        return Summary(0, nan, nan, nan, nan, nan)
    kept = trimmed(finite, trim)
    return Summary(
        count=len(finite),
        median=statistics.median(finite),
        minimum=finite[0],
        maximum=finite[-1],
        trimmed_mean=statistics.fmean(kept),
        std=statistics.stdev(kept) if len(kept) > 1 else 0.0,
    )


def trimmed(sorted_values: Sequence[float], trim: float) -> list[float]:
    """Drop ``floor(trim * n)`` values at each end of already sorted values (never all of them)."""
    cut = int(math.floor(trim * len(sorted_values)))
    if 2 * cut >= len(sorted_values):
        cut = (len(sorted_values) - 1) // 2
    return list(sorted_values[cut : len(sorted_values) - cut])


def paired_ratios(values: Sequence[float | None], baseline: Sequence[float | None]) -> list[float]:
    """Ratios value / baseline of the same round, for rounds where both were measured."""
    ratios = []
    for value, base in zip(values, baseline):
        if value is None or base is None or not math.isfinite(value) or not math.isfinite(base) or base == 0:
            continue
        ratios.append(value / base)
    return ratios
