"""The experiments layer trains the toy plugins of ``nnplug.testing.toys`` on in-memory images: no installed engine needed."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.registry import Registry
from nnplug.session import TrainingSession
from nnplug.testing import toys


class ColorBlobs(ArrayDataLoader):
    """Three classes of 2x2 RGB images (12 values, channel-major), each dominated by one channel.

    Args:
        samples: samples per class.
        max_minibatch_size: training minibatch size.
    """

    def __init__(self, samples: int = 20, max_minibatch_size: int = 16) -> None:
        rng = np.random.default_rng(5)
        x, y = [], []
        for label in range(3):
            image = rng.uniform(0, 0.3, (samples, 3, 2, 2))
            image[:, label] += 0.6
            x.append(image.reshape(samples, -1))
            y += [label] * samples
        super().__init__(np.concatenate(x), np.array(y), ["red", "green", "blue"], max_minibatch_size=max_minibatch_size)
        self.image_shape = (3, 2, 2)


@pytest.fixture
def registry() -> Registry:
    """A registry holding only the tiny plugins, under the default names."""
    return toys.toy_registry(ColorBlobs)


@pytest.fixture
def train(registry, tmp_path):
    """``train(args, observers=(), plots=False)`` runs a session writing under ``tmp_path/runs``; returns the session."""

    def run(args, observers=(), plots=False):
        command = parse_command([f"--runs-dir={tmp_path / 'runs'}", *args], registry)
        session = TrainingSession(registry, command, argv=list(args), show_progress=False, draw_plots=plots)
        if observers:
            base = session.observers
            session.observers = lambda: base() + list(observers)
        session.run()
        return session

    return run
