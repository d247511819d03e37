"""The experiments layer trains the toy plugins of ``nnplug.testing.toys`` on in-memory images: no installed engine needed."""
from __future__ import annotations

import pytest

from nnplug.cli.arguments import parse_command
from nnplug.registry import Registry
from nnplug.session import TrainingSession
from nnplug.testing import toys


ColorBlobs = toys.ColorBlobs


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
