"""A plugin package made by a third party: pip-installed, listed, selected by name.

It is installed into a folder of its own put on ``PYTHONPATH`` for the commands (entry points are
found there as in site-packages), not into the shared venv: tests running at the same time in
other workers must not see a plugin appear and disappear.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = "nnplug-tiny-sgd-fixture"


def write_package(root: Path) -> None:
    (root / "nnplug_tiny_sgd").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n')
    (root / "setup.cfg").write_text(textwrap.dedent(f"""
        [metadata]
        name = {DIST}
        version = 1.2.3

        [options]
        packages = nnplug_tiny_sgd

        [options.entry_points]
        nnplug.optimizers =
            HalvingSGD = nnplug_tiny_sgd.optimizer:HalvingSGD
    """))
    (root / "nnplug_tiny_sgd" / "__init__.py").write_text("")
    (root / "nnplug_tiny_sgd" / "optimizer.py").write_text(textwrap.dedent('''
        from __future__ import annotations

        from typing import ClassVar

        from nnplug import NnplugError, Optimizer


        class HalvingSGD(Optimizer):
            """Gradient descent whose learning rate halves every few epochs.

            Args:
                learning_rate: initial step size.
                weight_decay: L2 factor.
                half_life: epochs between two halvings.
            """

            engine: ClassVar[str] = "numpy"

            def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0, half_life: int = 5) -> None:
                if half_life <= 0:
                    raise NnplugError(f"--half-life must be positive, got {half_life}")
                self.learning_rate = learning_rate
                self.weight_decay = weight_decay
                self.half_life = half_life

            def build(self, parameters):
                self.parameters = parameters

            def current_learning_rate(self, epoch):
                return self.learning_rate * 0.5 ** ((epoch - 1) // self.half_life)

            def step(self, epoch):
                rate = self.current_learning_rate(epoch)
                for p in self.parameters:
                    p.value -= rate * (p.grad + (self.weight_decay * p.value if p.decay else 0))
    '''))


@pytest.mark.slow
def test_installed_package_is_listed_and_selected(tmp_path):
    write_package(tmp_path / "pkg")
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", "--target", str(site), str(tmp_path / "pkg")],
                   check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    before = subprocess.run([str(ROOT / "bin" / "train"), "--list-plugins"], capture_output=True, text=True, timeout=60)
    assert "HalvingSGD" not in before.stdout  # only where the package is installed
    listing = subprocess.run([str(ROOT / "bin" / "train"), "--list-plugins"], capture_output=True, text=True, timeout=60, env=env)
    line = next(l for l in listing.stdout.splitlines() if "HalvingSGD" in l)
    assert f"[{DIST} 1.2.3]" in line and "Gradient descent whose learning rate halves" in line
    help_text = subprocess.run([str(ROOT / "bin" / "train"), "--help"], capture_output=True, text=True, timeout=60, env=env).stdout
    assert "--half-life=INT" in help_text and "HalvingSGD" in help_text
    bad = subprocess.run([str(ROOT / "bin" / "train"), "--optimizer=HalvingSGD", "--half-life=0"], capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert bad.returncode == 2 and "--half-life must be positive" in bad.stderr
    trained = subprocess.run(
        [str(ROOT / "bin" / "train"), "--optimizer=HalvingSGD", "--learning-rate=0.05", "--half-life=2", "--nbr-epochs=3",
         "--runs-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=env,
    )
    assert trained.returncode == 0, trained.stderr
    assert "[Epoch 3]" in trained.stdout
