"""Shared fixtures of the torch-engine and ONNX tests: small in-memory data, one registry per module."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.registry import Registry
from nnplug.trainer import Trainer

torch = pytest.importorskip("torch")
# Tests run two workers on two cores: one intra-op thread each (tiny tensors; more threads only spin).
torch.set_num_threads(1)

#: options that select the torch loss and accuracy.
TORCH_PARTS = ["--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"]


class Blobs(ArrayDataLoader):
    """Three noisy classes of 12 features in 0..1 (in-memory).

    Args:
        max_minibatch_size: largest training minibatch.
    """

    def __init__(self, max_minibatch_size: int = 40) -> None:
        rng = np.random.default_rng(7)
        labels = np.arange(240) % 3
        x = np.clip(rng.uniform(0.0, 0.6, (240, 12)) + 0.4 * np.eye(3, 12)[labels], 0.0, 1.0)
        super().__init__(x, labels, ["red", "green", "blue"], max_minibatch_size=max_minibatch_size)


@pytest.fixture(scope="module")
def registry() -> Registry:
    """Installed plugins plus the in-memory ``Blobs`` loader."""
    found = Registry()
    found.add("data_loader", "Blobs", Blobs)
    return found


class Runner:
    """Trains experiments on the registry (Blobs data unless ``--data-loader`` says otherwise)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(self, args: list[str], observers=()):
        """Train the experiments of ``args``; return their results."""
        command = parse_command(["--data-loader=Blobs", *args], self.registry)
        return Trainer(self.registry, list(observers)).run(command.experiments)

    @staticmethod
    def curve(result) -> list[float]:
        """Training cost per epoch of the first repeat."""
        return [epoch.training_cost for epoch in result.repeats[0].epochs]

    @staticmethod
    def dev_curve(result) -> list[float]:
        """Dev cost per epoch of the first repeat."""
        return [epoch.dev_cost for epoch in result.repeats[0].epochs]


@pytest.fixture(scope="module")
def train(registry: Registry) -> Runner:
    """``train(args)`` runs experiments; ``train.curve(result)`` reads training costs."""
    return Runner(registry)
