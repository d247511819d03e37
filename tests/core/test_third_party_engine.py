"""A third engine from a package outside the repository trains with no change to the core.

The package (an installed-looking distribution in a folder put on ``PYTHONPATH``, as pip would
leave it) registers an engine ``float16`` (numpy arrays in half precision) and the minimum that
computes with it: a model, an optimizer and a loss. ``bin/train --model=HalfSoftmax`` then takes
its optimizer and loss from that engine's defaults, its minibatches converted by that engine,
with the built-in ``Vips`` loader (engine "any") and ``Classes`` metric.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nnplug.testing import make_image_dataset

ROOT = Path(__file__).resolve().parents[2]

PACKAGE = '''
"""nnplug-half: computing in float16 numpy arrays, as a package outside nnplug would."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug import Engine, Loss, Model, Optimizer, Parameter


class Float16(Engine):
    """numpy arrays in half precision."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {
        "classification": {"optimizer": "HalfSGD", "loss": "HalfCrossEntropy", "metric": "Classes"},
    }

    def to_numpy(self, value: Any) -> np.ndarray:
        """The array itself."""
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> np.ndarray:
        """Floats in float16 (or like's dtype); other dtypes kept."""
        array = np.asarray(array)
        if like is not None:
            return array.astype(np.asarray(like).dtype)
        return array.astype(np.float16) if np.issubdtype(array.dtype, np.floating) else array


class HalfSoftmax(Model):
    """Softmax regression computed in float16."""

    engine: ClassVar[str] = "float16"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def build(self, sample_shape, nbr_classes, seed):
        """Small random weights, zero bias."""
        rng = np.random.default_rng(seed)
        inputs = int(np.prod(sample_shape))
        self.w = Parameter("W", rng.normal(0, 0.01, (inputs, nbr_classes)).astype(np.float16), np.zeros((inputs, nbr_classes), np.float16))
        self.b = Parameter("b", np.zeros(nbr_classes, np.float16), np.zeros(nbr_classes, np.float16), decay=False)

    def forward(self, x, training=False):
        """Class probabilities (float16)."""
        assert x.dtype == np.float16, f"the float16 engine converts minibatches, got {x.dtype}"
        self.x = x.reshape(len(x), -1)
        z = (self.x @ self.w.value + self.b.value).astype(np.float32)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float16)

    def backward(self, loss, output, target, cost):
        """Softmax and cross-entropy together: (output - target) / n."""
        dz = (output - target) / np.float16(len(output))
        self.w.grad[...] = self.x.T @ dz
        self.b.grad[...] = dz.sum(axis=0)

    def parameters(self):
        """Weights then bias."""
        return [self.w, self.b]


class HalfSGD(Optimizer):
    """Gradient descent on float16 parameters.

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
    """

    engine: ClassVar[str] = "float16"

    def __init__(self, learning_rate: float = 0.5, weight_decay: float = 0.0) -> None:
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay

    def build(self, parameters):
        """Keep the parameters."""
        self.params = parameters

    def step(self, epoch):
        """value -= learning_rate * grad."""
        for p in self.params:
            p.value -= np.float16(self.learning_rate) * p.grad


class HalfCrossEntropy(Loss):
    """Cross-entropy of float16 probabilities."""

    engine: ClassVar[str] = "float16"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def cost(self, output, target):
        """Mean over the minibatch."""
        return float(-np.sum(target * np.log(np.clip(output.astype(np.float32), 1e-4, 1))) / len(output))
'''


def write_distribution(site: Path) -> None:
    """An installed-looking distribution ``nnplug-half`` (dist-info and package) in ``site``."""
    info = site / "nnplug_half-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nnplug-half\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [nnplug.engines]
        float16 = nnplug_half.plugins:Float16
        [nnplug.models]
        HalfSoftmax = nnplug_half.plugins:HalfSoftmax
        [nnplug.optimizers]
        HalfSGD = nnplug_half.plugins:HalfSGD
        [nnplug.losses]
        HalfCrossEntropy = nnplug_half.plugins:HalfCrossEntropy
    """))
    (site / "nnplug_half").mkdir()
    (site / "nnplug_half" / "__init__.py").write_text("")
    (site / "nnplug_half" / "plugins.py").write_text(PACKAGE)


@pytest.fixture
def half(tmp_path: Path) -> dict[str, str]:
    """The environment of a command that sees the float16 package."""
    write_distribution(tmp_path / "site")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))}


@pytest.mark.slow
def test_a_third_engine_trains_with_its_own_defaults(tmp_path: Path, half: dict[str, str]) -> None:
    make_image_dataset(tmp_path / "datasets", "tiny", per_class=6)
    runs = tmp_path / "runs"
    result = subprocess.run(
        [str(ROOT / "bin" / "train"), "--model=HalfSoftmax", "--dataset=tiny", f"--datasets-path={tmp_path / 'datasets'}",
         "--resize=8,8", "--workers=1", "--nbr-epochs=3", "--gradient-checks=off", f"--runs-dir={runs}"],
        capture_output=True, text=True, env=half, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (run,) = runs.iterdir()
    plugins = json.loads((run / "run.json").read_text())["experiments"][0]["config"]["plugins"]
    assert {kind: plugins[kind]["name"] for kind in ("data_loader", "model", "optimizer", "loss")} == {
        "data_loader": "Vips", "model": "HalfSoftmax", "optimizer": "HalfSGD", "loss": "HalfCrossEntropy",
    }
    assert plugins["optimizer"]["distribution"] == "nnplug-half"


def test_a_third_engine_is_listed_and_mixing_it_with_numpy_is_refused_before_loading(tmp_path: Path, half: dict[str, str]) -> None:
    listing = subprocess.run([sys.executable, "-c", "from nnplug.cli.main import main; main()", "plugins"],
                             capture_output=True, text=True, env=half, timeout=60)
    assert listing.returncode == 0, listing.stderr
    lines = [" ".join(line.split()) for line in listing.stdout.splitlines()]
    assert "float16 [nnplug-half 1.0] numpy arrays in half precision." in lines
    assert "HalfSoftmax [nnplug-half 1.0] [engine float16, task classification] Softmax regression computed in float16." in lines
    runs = tmp_path / "runs"
    mixed = subprocess.run(
        [str(ROOT / "bin" / "train"), "--model=HalfSoftmax", "--optimizer=Adam", "--dataset=missing", f"--runs-dir={runs}"],
        capture_output=True, text=True, env=half, timeout=120,
    )
    assert mixed.returncode == 2
    assert mixed.stderr.strip().splitlines() == [
        "train: error: --optimizer=Adam computes with engine numpy but --model=HalfSoftmax computes with float16: "
        "optimizers that fit: HalfSGD"
    ]
    assert not runs.exists()
