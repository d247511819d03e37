"""Group decoded images into batches the model accepts."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one may be shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def stacked(tensors: list[np.ndarray], fixed_batch: int | None) -> np.ndarray:
    """Stack per-image tensors into a batch; pad with zeros up to a model's fixed batch size."""
    batch = np.stack(tensors)
    if fixed_batch and len(tensors) < fixed_batch:
        padding = np.zeros((fixed_batch - len(tensors), *batch.shape[1:]), batch.dtype)
        batch = np.concatenate([batch, padding])
    return batch


def effective_batch_size(requested: int, fixed_batch: int | None) -> int:
    """The batch size to use: the model's fixed one when it has one, else the requested one."""
    return fixed_batch if fixed_batch else max(1, requested)
