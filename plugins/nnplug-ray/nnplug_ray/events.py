"""The event sink of the Ray executor: where trials put their events and the driver reads them.

Kept apart from :mod:`nnplug_ray.executor` and importing nothing but the standard library, so the
actor's worker process starts without importing nnplug, numpy or the trainer.
"""
from __future__ import annotations

from typing import Any


class EventSink:
    """Where trials put their events and the driver reads them (a Ray actor), one channel per run.

    A synchronous actor runs the calls of one caller in the order they were made, so each trial's
    events come out in the order it sent them, and a trial's last call returning means every
    event it sent before is in. Reading does not remove: a read whose answer was lost (a node
    lost, the actor briefly unreachable) is simply made again. A run's channel is dropped with
    :meth:`forget` when the run ends; events still arriving for it (a task force-stopped late)
    are kept nowhere.
    """

    def __init__(self) -> None:
        self.channels: dict[str, list[Any]] = {}
        self.closed: set[str] = set()

    def open(self, run: str) -> None:
        """Start the channel of ``run``."""
        self.channels.setdefault(run, [])

    def put(self, run: str, items: list[Any]) -> None:
        """Keep events of ``run``, in order."""
        if run not in self.closed:
            self.channels.setdefault(run, []).extend(items)

    def count(self, run: str) -> int:
        """How many events ``run`` put."""
        return len(self.channels.get(run, ()))

    def since(self, run: str, start: int) -> list[Any]:
        """The events of ``run`` from number ``start`` (0-based) on, oldest first."""
        return self.channels.get(run, [])[start:]

    def forget(self, run: str) -> None:
        """Drop the channel of ``run`` (its run is over)."""
        self.channels.pop(run, None)
        self.closed.add(run)
