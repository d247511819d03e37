"""``--filter-dataset``: keep only some samples of a dataset, by position."""
from __future__ import annotations

from typing import Sequence, TypeVar

from nnplug.errors import NnplugError

T = TypeVar("T")


def parse_index_filter(spec: str) -> list[tuple[int, int]] | None:
    """Parse ``all`` (None: keep everything) or ``1,3,5-8`` (inclusive ranges of 0-based indices).

    Raises:
        NnplugError: the text is neither ``all`` nor a comma-separated list of indices and ranges.
    """
    text = spec.strip().lower()
    if text in ("", "all"):
        return None
    ranges = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise NnplugError(f"--filter-dataset expects 'all' or indices and ranges like 1,3,5-8, got {spec!r}")
        start, end = int(first), int(last) if dash else int(first)
        if end < start:
            raise NnplugError(f"--filter-dataset range {part.strip()!r} ends before it starts")
        ranges.append((start, end))
    return ranges


class IndexFilter:
    """Keeps the samples whose position (0-based, in the sorted listing) is selected.

    Args:
        spec: ``all`` or indices and inclusive ranges, e.g. ``1,3,5-8``.
    """

    def __init__(self, spec: str = "all") -> None:
        self.spec = spec
        self.ranges = parse_index_filter(spec)

    def apply(self, samples: Sequence[T]) -> list[T]:
        """The selected samples, in their original order.

        Raises:
            NnplugError: an index is beyond the last sample.
        """
        if self.ranges is None:
            return list(samples)
        highest = max(end for _, end in self.ranges)
        if highest >= len(samples):
            raise NnplugError(
                f"--filter-dataset index {highest} is out of range: the dataset has {len(samples)} samples (0..{len(samples) - 1})"
            )
        keep = sorted({i for start, end in self.ranges for i in range(start, end + 1)})
        return [samples[i] for i in keep]
