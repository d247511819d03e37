"""An exported model is fed as in training: nnplug export writes the loader's preprocessing and labels
into the ONNX metadata, and bin/infer --task=classification gives the checkpoint's predictions."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from test_bad_input import assert_one_line_error

from nnplug.checkpoints import save_checkpoint
from nnplug.cli.export import PREPROCESSING_KEY, export_checkpoint
from nnplug.registry import Registry

REPO = Path(__file__).resolve().parents[2]


def images_of(dataset: str, per_class: int) -> list[Path]:
    """The first ``per_class`` files of every class folder of a shipped dataset."""
    root = REPO / "datasets" / dataset
    return [path for folder in sorted(root.iterdir()) if folder.is_dir() for path in sorted(folder.iterdir())[:per_class]]


def checkpoint_of(folder: Path, dataset: str, loader: str, loader_options: dict, sample_shape: tuple[int, ...]) -> Path:
    """A checkpoint of an NLayers model (random weights) as bin/train saves it after reading ``dataset``."""
    labels = sorted(p.name for p in (REPO / "datasets" / dataset).iterdir() if p.is_dir())
    model = Registry().create("model", "NLayers", {"layers": (16,), "batch_norm": False})
    model.build(sample_shape, len(labels), 3)
    options = {"dataset": dataset, "datasets_path": str(REPO / "datasets"), **loader_options}
    config = {"sample_shape": list(sample_shape), "nbr_classes": len(labels), "labels": labels,
              "data_loader": {"name": loader, "options": options}, "task": "classification"}
    return save_checkpoint(folder / f"{dataset}.safetensors", model, config)


def predictions(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as stream:
        rows = list(csv.reader(stream))
    return {row[0]: np.array([float(v) for v in row[3:]]) for row in rows[1:]}


CASES = {
    "grey numbers": ("numbers", "Vips", {"resize": [12, 12], "grayscale": True, "minmax_normalize": True, "adaptive_invert": True, "trim": True}, (144,)),
    "RGB colours": ("colors", "ImageMagick", {"resize": [10, 8], "flatten": True}, (240,)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exported_model_and_its_checkpoint_predict_the_same(tmp_path, run_infer, case):
    dataset, loader, options, shape = CASES[case]
    checkpoint = checkpoint_of(tmp_path, dataset, loader, options, shape)
    export_checkpoint(checkpoint, tmp_path / "models" / "exported.onnx")
    metadata = {prop.key: prop.value for prop in onnx.load(str(tmp_path / "models" / "exported.onnx")).metadata_props}
    described = json.loads(metadata[PREPROCESSING_KEY])
    assert described["data_loader"] == loader and described["layout"] == "flat"
    assert {k: v for k, v in described["options"].items() if k in options} == options
    assert json.loads(metadata["labels"]) == sorted(p.name for p in (REPO / "datasets" / dataset).iterdir() if p.is_dir())

    images = images_of(dataset, 3)
    from_checkpoint = run_infer(*images, "--checkpoint", checkpoint, "--output-dir", tmp_path / "ckpt")
    assert from_checkpoint.status == 0, from_checkpoint.err
    from_onnx = run_infer(*images, "--task=classification", "--onnx-model=exported", "--models-path", tmp_path / "models",
                          "--output-dir", tmp_path / "onnx")
    assert from_onnx.status == 0, from_onnx.err
    expected, got = predictions(tmp_path / "ckpt/predictions.csv"), predictions(tmp_path / "onnx/predictions.csv")
    assert sorted(expected) == sorted(got) == sorted(str(p) for p in images)
    for name in expected:
        assert np.argmax(expected[name]) == np.argmax(got[name]), name
        assert np.abs(expected[name] - got[name]).max() < 1e-4, name  # float32 graph vs float64 model


def test_preprocessing_can_be_stated_for_files_without_metadata(tmp_path, run_infer):
    checkpoint = checkpoint_of(tmp_path, "numbers", "Vips", {"resize": [12, 12], "grayscale": True}, (144,))
    export_checkpoint(checkpoint, tmp_path / "models" / "bare.onnx")
    model = onnx.load(str(tmp_path / "models" / "bare.onnx"))
    del model.metadata_props[:]
    onnx.save(model, str(tmp_path / "models" / "bare.onnx"))
    images = images_of("numbers", 1)
    args = [*images, "--task=classification", "--onnx-model=bare", "--models-path", tmp_path / "models"]
    today = run_infer(*args, "--output-dir", tmp_path / "out")
    assert_one_line_error(today, "takes 144 values per sample, not 3*W*H")  # RGB by the backend, as before
    stated = '{"data_loader": "Vips", "options": {"resize": [12, 12], "grayscale": true}}'
    outcome = run_infer(*args, f"--preprocessing={stated}", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    from_checkpoint = run_infer(*images, "--checkpoint", checkpoint, "--output-dir", tmp_path / "ckpt")
    assert from_checkpoint.status == 0, from_checkpoint.err
    expected, got = predictions(tmp_path / "ckpt/predictions.csv"), predictions(tmp_path / "out/predictions.csv")
    assert all(np.abs(expected[name] - got[name]).max() < 1e-4 for name in expected)
    wrong = run_infer(*args, '--preprocessing={"data_loader": "Vips", "options": {"resize": [10, 10], "grayscale": true}}', "--output-dir", tmp_path / "out")
    assert_one_line_error(wrong, "takes input (?, 144)", "makes samples (100)")
    broken = run_infer(*args, "--preprocessing=grayscale", "--output-dir", tmp_path / "out")
    assert_one_line_error(broken, "--preprocessing is not a preprocessing description")
