"""Crafted checkpoints (issue 16, defect 8): a wrong stored configuration is one line, exit 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reliability.conftest import INFER, ROOT, TRAIN, error_lines, run_command


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoint")
    path = folder / "m.safetensors"
    result = run_command([*TRAIN, "--nbr-epochs=1", "--model=NLayers", "--layers=4", f"--save-model={path}", f"--runs-dir={folder / 'runs'}"], folder)
    assert result.returncode == 0, result.stderr
    return path


def _crafted(checkpoint: Path, folder: Path, change) -> Path:
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(checkpoint), framework="np") as archive:
        metadata = dict(archive.metadata())
        tensors = {name: archive.get_tensor(name) for name in archive.keys()}
    config = json.loads(metadata["nnplug"])
    change(config)
    metadata["nnplug"] = json.dumps(config)
    path = folder / "crafted.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    return path


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(sample_shape=[0, -3]),
        lambda c: c.update(sample_shape="abc"),
        lambda c: c.update(sample_shape=[100000, 100000, 3]),
        lambda c: c.update(nbr_classes=-2),
        lambda c: c.update(labels=None),
        lambda c: c.update(labels=["a"]),
        lambda c: c["options"].update(layers="abc"),
        lambda c: c.update(model=None),
    ],
    ids=["bad-shape", "shape-text", "shape-huge", "negative-classes", "labels-null", "labels-count", "layers-text", "model-null"],
)
def test_infer_on_a_crafted_checkpoint_is_one_line(checkpoint: Path, tmp_path: Path, change) -> None:
    crafted = _crafted(checkpoint, tmp_path, change)
    image = ROOT / "datasets" / "colors" / "red" / "red_000.png"
    result = run_command([*INFER, f"--checkpoint={crafted}", f"--output-dir={tmp_path / 'out'}", str(image)], tmp_path)
    assert result.returncode == 2, result.stderr
    assert len(error_lines(result.stderr)) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
