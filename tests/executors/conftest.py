"""Executors train the toy plugins on in-memory images; a fragile model fails, dies or hangs on chosen seeds."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from nnplug.cli.arguments import parse_command
from nnplug.registry import Registry
from nnplug.session import TrainingSession
from nnplug.testing import toys


class ColorBlobs(toys.ColorBlobs):
    """The toys' three classes of 2x2 RGB images, 30 per class.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 30, max_minibatch_size: int = 16) -> None:
        super().__init__(samples, max_minibatch_size)


class Fragile(toys.SoftmaxRegression):
    """Softmax regression that misbehaves in its third training step when built with a chosen seed.

    Args:
        fail_seed: raise ValueError with this model seed.
        die_seed: kill its own process with this model seed.
        hang_seed: sleep a minute with this model seed.
        step_seconds: sleep that long at every training step (slow trials).
    """

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, fail_seed: int = -1, die_seed: int = -1, hang_seed: int = -1, step_seconds: float = 0.0) -> None:
        super().__init__()
        self.fail_seed, self.die_seed, self.hang_seed = fail_seed, die_seed, hang_seed
        self.step_seconds = step_seconds
        self.steps = 0

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Remember the seed."""
        super().build(sample_shape, nbr_classes, seed)
        self.seed = seed

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        """Misbehave at the third training step."""
        if training:
            self.steps += 1
            time.sleep(self.step_seconds)
            if self.steps == 3:
                if self.seed == self.fail_seed:
                    raise ValueError("boom at step 3")
                if self.seed == self.die_seed:
                    os.kill(os.getpid(), signal.SIGKILL)
                if self.seed == self.hang_seed:
                    time.sleep(60)
        return super().forward(x, training)


@pytest.fixture
def registry() -> Registry:
    """The toys, the built-in executors and the fragile model."""
    registry = toys.toy_registry(ColorBlobs)
    registry.add("model", "Fragile", Fragile)
    return registry


@pytest.fixture
def train(registry, tmp_path):
    """``train(args, observers=())``: run a session under ``tmp_path/runs``; returns (status, session)."""

    def run(args, observers=()):
        command = parse_command([f"--runs-dir={tmp_path / 'runs'}", *args], registry)
        session = TrainingSession(registry, command, argv=list(args), show_progress=False, draw_plots=False)
        if observers:
            base = session.observers
            session.observers = lambda: base() + list(observers)
        status = session.run()
        return status, session

    return run


def _metrics_of(run_dir: Path) -> list[tuple]:
    """Every measured figure of a run (not times or memory), repeat by repeat, from its run.json."""
    document = json.loads((Path(run_dir) / "run.json").read_text())
    figures = []
    for experiment in document["experiments"]:
        for repeat in experiment["repeats"]:
            epochs = [(m["epoch"], m["training_cost"], m["training_metric"], m["dev_cost"], m["dev_metric"]) for m in repeat["epochs"]]
            figures.append((experiment["exp_id"], repeat["repeat"], repeat["model_seed"], repeat["dataset_seed"], epochs,
                            repeat["final_dev_cost"], repeat["final_dev_metric"], repeat["test_metric"], repeat["confusion_matrix"]))
    return figures


@pytest.fixture
def metrics_of():
    """``metrics_of(run_dir)``: every measured figure of a run (not times or memory), repeat by repeat."""
    return _metrics_of


@pytest.fixture
def run_document():
    """``run_document(run_dir)``: a run's run.json as a dictionary."""
    return lambda run_dir: json.loads((Path(run_dir) / "run.json").read_text())
