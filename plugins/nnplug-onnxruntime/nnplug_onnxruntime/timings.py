"""Where an inference run spends its time: decoding, inference, writing."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

STAGES = ("decoding", "inference", "writing")


@dataclass
class StageTimes:
    """Seconds spent per stage (decoding includes resizing for the model; writing includes post-processing)."""

    seconds: dict[str, float] = field(default_factory=lambda: {stage: 0.0 for stage in STAGES})

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        """Add the time spent in the ``with`` block to ``stage``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def shares(self) -> dict[str, float]:
        """Each stage's fraction of the measured total."""
        total = sum(self.seconds.values()) or 1.0
        return {stage: value / total for stage, value in self.seconds.items()}

    def describe(self) -> str:
        """``decoding 12%, inference 30%, writing 58%``."""
        return ", ".join(f"{stage} {100 * share:.0f}%" for stage, share in self.shares().items())
