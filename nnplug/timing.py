"""Wall-clock time per training phase, measured only when profiling asks for it.

The trainer always goes through a clock; without ``--profiling`` it is :data:`NO_CLOCK`, whose
methods hand back what they were given, so unprofiled runs pay nothing measurable.
"""
from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from typing import ContextManager, Iterable, Iterator, TypeVar

T = TypeVar("T")

#: Phase names the trainer reports, in report order.
EPOCH = "full epoch"
MINIBATCH = "minibatch"
DATA = "data preparation"
EVALUATION = "evaluation"
OPTIMIZER_STEP = "optimizer step"
GRADIENT_CHECKS = "gradient checks"
INSTABILITY_CHECKS = "instability checks"
PHASES = (EPOCH, MINIBATCH, DATA, EVALUATION, OPTIMIZER_STEP, GRADIENT_CHECKS, INSTABILITY_CHECKS)


class PhaseClock:
    """Sums the wall time spent in each named phase; phases may nest.

    Attributes:
        totals: seconds per phase.
        counts: how many times each phase ran.
        last: duration of the last run of each phase.
        active: the phases running now, outermost first.
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.last: dict[str, float] = {}
        self.active: list[str] = []

    def add(self, phase: str, seconds: float, count: bool = True) -> None:
        """Count one run of ``phase`` lasting ``seconds`` (``count=False``: add the time only)."""
        self.totals[phase] += seconds
        if count:
            self.counts[phase] += 1
            self.last[phase] = seconds

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as one run of phase ``name``."""
        self.active.append(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)
            self.active.pop()

    def iterate(self, name: str, items: Iterable[T]) -> Iterator[T]:
        """Yield from ``items``, timing each ``next`` as phase ``name`` (e.g. data preparation)."""
        iterator = iter(items)
        while True:
            start = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.add(name, time.perf_counter() - start, count=False)
                return
            self.add(name, time.perf_counter() - start)
            yield item


class NoClock:
    """The clock of unprofiled runs: measures nothing."""

    active: list[str] = []
    _nothing = contextlib.nullcontext()

    def phase(self, name: str) -> ContextManager[None]:
        """A context that does nothing."""
        return self._nothing

    def iterate(self, name: str, items: Iterable[T]) -> Iterable[T]:
        """``items`` unchanged."""
        return items


NO_CLOCK = NoClock()
