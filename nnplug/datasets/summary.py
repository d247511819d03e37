"""The table a data loader prints at load: samples per label and partition."""
from __future__ import annotations

import numpy as np

from nnplug.data_loader import PARTITIONS


def partition_table(labels: list[str], counts: dict[str, np.ndarray]) -> str:
    """A text table: one row per label plus a total row, one column per partition plus a total column.

    Args:
        labels: class names, in one-hot order.
        counts: for each partition, the number of samples of each label.
    """
    columns = [name for name in PARTITIONS if name in counts]
    rows = [[label, *(int(counts[c][i]) for c in columns)] for i, label in enumerate(labels)]
    rows = [[*row, sum(row[1:])] for row in rows]
    rows.append(["total", *(sum(row[j] for row in rows) for j in range(1, len(columns) + 2))])
    header = ["label", *columns, "total"]
    widths = [max(len(str(row[j])) for row in [header, *rows]) for j in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(row[0]).ljust(widths[0]), *(str(cell).rjust(widths[j + 1]) for j, cell in enumerate(row[1:]))]
        lines.append("  ".join(cells))
    return "\n".join(lines)
