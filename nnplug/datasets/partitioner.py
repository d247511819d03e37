"""``--partitions``: split samples into training, dev and test, stratified per class and seeded."""
from __future__ import annotations

import math

import numpy as np

from nnplug.data_loader import PARTITIONS
from nnplug.errors import NnplugError


def check_partitions(shares: dict[str, float]) -> dict[str, float]:
    """Return ``shares`` in :data:`PARTITIONS` order after checking them.

    Raises:
        NnplugError: an unknown partition name, a share that is not a positive number, or shares
            that do not sum to 1.
    """
    unknown = sorted(set(shares) - set(PARTITIONS))
    if unknown:
        raise NnplugError(f"--partitions: unknown partition {unknown[0]!r} (use {', '.join(PARTITIONS)})")
    if "training" not in shares:
        raise NnplugError("--partitions must include training")
    for name, share in shares.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not share > 0:
            raise NnplugError(f"--partitions: the share of {name} must be a positive number, got {share!r}")
    total = sum(shares.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise NnplugError(f"--partitions must sum to 1, they sum to {total:g}")
    return {name: float(shares[name]) for name in PARTITIONS if name in shares}


def split_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """How many of ``total`` samples go to each partition (largest remainders; training first on ties)."""
    exact = {name: share * total for name, share in shares.items()}
    counts = {name: int(math.floor(value)) for name, value in exact.items()}
    by_remainder = sorted(shares, key=lambda name: -(exact[name] - counts[name]))
    for name in by_remainder[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


class StratifiedPartitioner:
    """Splits sample indices per class, so every partition keeps the class proportions.

    Args:
        shares: share of each partition, e.g. ``{"training": 0.7, "dev": 0.15, "test": 0.15}``.
    """

    def __init__(self, shares: dict[str, float]) -> None:
        self.shares = check_partitions(shares)

    def split(self, labels: np.ndarray, seed: int) -> dict[str, np.ndarray]:
        """Indices (into ``labels``) of every partition of :data:`PARTITIONS`, each sorted.

        The same ``labels`` and ``seed`` always give the same split.
        """
        rng = np.random.default_rng(seed)
        parts: dict[str, list[np.ndarray]] = {name: [] for name in PARTITIONS}
        for label in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == label))
            start = 0
            for name, count in split_counts(len(members), self.shares).items():
                parts[name].append(members[start : start + count])
                start += count
        return {name: np.sort(np.concatenate(chunks)) if chunks else np.array([], dtype=np.int64) for name, chunks in parts.items()}
