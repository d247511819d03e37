"""``MinibatchDumper``: every training sample as a PNG under <root>/<exp>/<epoch>/<minibatch>/."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

from nnplug.data_loader import Minibatch
from nnplug.dump import MinibatchDumper, sample_image_shape
from nnplug_vips.loaders import Vips


def context(loader, exp_id: str = "exp1", repeat: int = 0):
    return SimpleNamespace(experiment=SimpleNamespace(exp_id=exp_id), repeat=repeat, data_loader=loader, engine=None)


def test_dumps_each_sample_with_its_label(tmp_path: Path, tiny_datasets: Path) -> None:
    loader = Vips(dataset="tiny", datasets_path=tiny_datasets, resize=(8, 6), max_minibatch_size=10)
    loader.load(0)
    dumper = MinibatchDumper(tmp_path / "minibatches")
    batches = list(loader.minibatches("training", 1))
    for batch in batches:
        dumper.minibatch_finished(context(loader), 1, batch, 0.0, 0.0)
    files = sorted((tmp_path / "minibatches" / "exp1" / "1").rglob("*.png"))
    assert len(files) == 21 and {f.parent.name for f in files} == {"0", "1", "2"}
    first = batches[0]
    label = loader.labels[int(np.argmax(first.y[0]))]
    image = np.asarray(Image.open(tmp_path / "minibatches" / "exp1" / "1" / "0" / f"0_{label}.png"))
    assert image.shape == (6, 8, 3)
    expected = np.rint(first.x[0].reshape(3, 6, 8).transpose(1, 2, 0) * 255)
    assert np.abs(image.astype(float) - expected).max() <= 1
    assert not list((tmp_path / "minibatches").rglob("*.tmp"))


def test_later_repeats_and_plain_arrays(tmp_path: Path) -> None:
    loader = SimpleNamespace(labels=["a", "b/c"])
    x = np.random.default_rng(0).random((2, 16))
    batch = Minibatch(x, np.eye(2), 3)
    MinibatchDumper(tmp_path).minibatch_finished(context(loader, "run 1", repeat=1), 2, batch, 0.0, 0.0)
    assert sorted(p.name for p in (tmp_path / "run_1_repeat2" / "2" / "3").iterdir()) == ["0_a.png", "1_b_c.png"]
    assert sample_image_shape(16, loader) == (1, 4, 4)
    assert sample_image_shape(27, loader) == (3, 3, 3)
    assert sample_image_shape(10, loader) == (1, 1, 10)


def test_experiments_without_the_option_write_nothing(tmp_path: Path) -> None:
    loader = SimpleNamespace(labels=["a", "b"])
    quiet = SimpleNamespace(experiment=SimpleNamespace(exp_id="e", options=SimpleNamespace(dump_minibatches=False)), repeat=0, data_loader=loader, engine=None)
    MinibatchDumper(tmp_path).minibatch_finished(quiet, 1, Minibatch(np.zeros((1, 4)), np.eye(2)[:1]), 0.0, 0.0)
    assert not any(tmp_path.iterdir())
