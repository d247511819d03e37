"""Fixtures of the numpy engine's tests: a tiny in-memory dataset and a trainer run on it."""
from __future__ import annotations

from dataclasses import astuple
from typing import Any, Callable

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.experiment import Experiment, ExperimentOptions
from nnplug.registry import Registry
from nnplug.results import RepeatResult
from nnplug.trainer import Trainer


class Blobs(ArrayDataLoader):
    """Three overlapping Gaussian blobs of 4x4 'images' (in memory, for tests)."""

    def __init__(self, max_minibatch_size: int = 20, dtype: str = "float64") -> None:
        rng = np.random.default_rng(123)
        labels = np.repeat(np.arange(3), 40)
        centers = rng.normal(size=(3, 4, 4))
        x = centers[labels] + rng.normal(scale=1.2, size=(len(labels), 4, 4))
        super().__init__(x, labels, max_minibatch_size=max_minibatch_size, dtype=dtype)


def repeat_metrics(result: RepeatResult) -> list[tuple]:
    """Per-epoch figures that must repeat exactly between identical runs (no durations, no memory)."""
    return [astuple(e)[:5] + (e.learning_rate,) for e in result.epochs] + [(result.final_dev_accuracy, result.final_dev_cost)]


@pytest.fixture
def metrics() -> Callable[[RepeatResult], list[tuple]]:
    """:func:`repeat_metrics`, for test modules (conftest is not importable under importlib mode)."""
    return repeat_metrics


@pytest.fixture
def train() -> Callable[..., RepeatResult]:
    """Train on :class:`Blobs` with the trainer; keyword arguments are experiment options,
    ``model_options`` / ``optimizer_options`` / ``loader_options`` go to the plugins."""

    def run(
        model: str = "NLayers",
        optimizer: str = "Adam",
        model_options: dict[str, Any] | None = None,
        optimizer_options: dict[str, Any] | None = None,
        loader_options: dict[str, Any] | None = None,
        registry: Registry | None = None,
        **options: Any,
    ) -> RepeatResult:
        registry = registry or Registry()
        registry.add("data_loader", "Blobs", Blobs)
        options.setdefault("nbr_epochs", 4)
        options.setdefault("instability_checks", "exception")
        experiment = Experiment(
            ExperimentOptions(data_loader="Blobs", model=model, optimizer=optimizer, **options),
            {
                "data_loader": loader_options or {},
                "model": model_options or {},
                "optimizer": optimizer_options or {},
            },
        )
        return Trainer(registry).run([experiment])[0].repeats[0]

    return run
