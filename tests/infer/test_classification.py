"""bin/infer classification: an ONNX classifier or a bin/train checkpoint, CSV of probabilities, accuracy."""
from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from infer_images import output_files
from infer_onnx_models import flat_classifier, rank2_model

REPO = Path(__file__).resolve().parents[2]
COLOURS = {"blue": (20, 30, 220), "green": (30, 200, 40), "red": (210, 30, 20)}


def colour_folders(folder: Path, per_class: int = 2) -> Path:
    """``folder/<colour>/<i>.png``: plain images of each colour with a little noise."""
    rng = np.random.default_rng(0)
    for name, rgb in COLOURS.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            pixels = np.clip(np.array(rgb) + rng.normal(0, 10, (12, 14, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{index}.png")
    return folder


def channel_classifier(path: Path, side: int = 8) -> Path:
    """A flat (channel-major, like bin/train's loaders) classifier: output k = mean of channel (2 - k).

    Outputs in sorted colour order (blue, green, red) = channels 2, 1, 0.
    """
    weights = np.zeros((3 * side * side, 3), np.float32)
    for output, channel in enumerate((2, 1, 0)):
        weights[channel * side * side : (channel + 1) * side * side, output] = 10.0 / (side * side)
    return flat_classifier(path, side, weights)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as stream:
        return list(csv.DictReader(stream))


def test_onnx_classifier_writes_probabilities_and_accuracy_on_class_folders(tmp_path, run_infer):
    channel_classifier(tmp_path / "models" / "colours.onnx")
    colour_folders(tmp_path / "images")
    outcome = run_infer(tmp_path / "images", "--task=classification", "--onnx-model=colours", "--models-path", tmp_path / "models",
                        "--batch-size=4", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert "accuracy: 100.00% over 6 labeled image(s)" in outcome.out
    rows = read_csv(tmp_path / "out" / "predictions.csv")
    assert list(rows[0]) == ["file", "label", "predicted", "blue", "green", "red"]  # names from the sorted class folders
    assert [r["label"] for r in rows] == [r["predicted"] for r in rows] == ["blue"] * 2 + ["green"] * 2 + ["red"] * 2
    for row in rows:
        assert abs(sum(float(row[c]) for c in COLOURS) - 1) < 1e-4


def test_given_labels_name_the_columns_and_loose_files_get_no_accuracy(tmp_path, run_infer):
    channel_classifier(tmp_path / "models" / "colours.onnx")
    colour_folders(tmp_path / "images", per_class=1)
    outcome = run_infer(tmp_path / "images" / "red" / "0.png", "--task=classification", "--onnx-model=colours",
                        "--models-path", tmp_path / "models", "--labels=B,G,R", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert "accuracy" not in outcome.out
    rows = read_csv(tmp_path / "out" / "predictions.csv")
    assert len(rows) == 1 and rows[0]["predicted"] == "R" and rows[0]["label"] == ""


def test_classification_errors(tmp_path, models, run_infer):
    channel_classifier(tmp_path / "models" / "colours.onnx")
    rank2_model(tmp_path / "models" / "odd.onnx", ("batch", 13))
    rank2_model(tmp_path / "models" / "rank3.onnx", ("batch", 3, 4))
    colour_folders(tmp_path / "images", per_class=1)
    for args, fragment in (
        (["--task=classification"], "needs --onnx-model"),
        (["--task=classification", "--onnx-model=colours", "--models-path", tmp_path / "models", "--labels=a,b"], "2 class names"),
        (["--task=classification", "--onnx-model=odd", "--models-path", tmp_path / "models"], "13 values per sample"),
        (["--task=classification", "--onnx-model=rank3", "--models-path", tmp_path / "models"], "rank 3"),
        (["--checkpoint", tmp_path / "images" / "red" / "0.png"], "not an nnplug checkpoint"),
    ):
        outcome = run_infer(tmp_path / "images", *args, "--output-dir", tmp_path / "out")
        assert outcome.status == 2 and outcome.err.count("\n") == 1 and fragment in outcome.err, (args, outcome.err)
    assert output_files(tmp_path / "out") == []


@pytest.mark.slow
def test_checkpoint_saved_by_bin_train_classifies_its_dataset(tmp_path):
    checkpoint = tmp_path / "colors.safetensors"
    common = ["--datasets-path", str(REPO / "datasets")]
    trained = subprocess.run(
        [str(REPO / "bin/train"), *common, "--nbr-epochs=10", "--resize=8,8", "--learning-rate=0.05", f"--save-model={checkpoint}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert trained.returncode == 0, trained.stderr
    inferred = subprocess.run(
        [str(REPO / "bin/infer"), "--checkpoint", str(checkpoint), "--batch-size=16"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert inferred.returncode == 0, inferred.stderr
    assert "classified 90 image(s) with colors" in inferred.stdout
    assert "accuracy: 100.00% over 90 labeled image(s)" in inferred.stdout
    rows = read_csv(tmp_path / "inference" / "colors" / "predictions.csv")
    assert len(rows) == 90 and list(rows[0])[3:] == ["blue", "green", "red"]  # the checkpoint's labels
