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


def test_onnx_model_whose_weights_do_not_fit_is_one_line(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnx2torch")
    from onnx import numpy_helper

    model = onnx.load(str(ROOT / "models" / "one_layer.onnx"))
    weights = max(model.graph.initializer, key=lambda tensor: numpy_helper.to_array(tensor).size)
    array = numpy_helper.to_array(weights)
    weights.CopyFrom(numpy_helper.from_array(array[:-7], weights.name))  # declared input unchanged, weights shorter
    (tmp_path / "models").mkdir()
    onnx.save(model, str(tmp_path / "models" / "bad.onnx"))
    args = [*TRAIN[:-2], "--resize=110,110", "--cache=false", "--model=OnnxTorch", f"--models-path={tmp_path / 'models'}", "--onnx-model=bad", "--nbr-epochs=1", f"--runs-dir={tmp_path / 'runs'}"]
    result = run_command(args, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "do not fit" in lines[0], result.stderr
