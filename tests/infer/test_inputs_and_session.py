"""Input resolution rules and the ONNX Runtime session settings."""
from __future__ import annotations

from pathlib import Path

import pytest

from infer_images import bright_square_image, square_dataset
from infer_onnx_models import brightness_segmenter

from nnplug.errors import NnplugError
from nnplug_onnxruntime.inputs import collect
from nnplug_onnxruntime.session import OrtSession, default_threads


def test_dataset_name_folder_and_file_resolve_with_ground_truth_and_labels(tmp_path):
    square_dataset(tmp_path / "datasets" / "squares", count=2)
    bright_square_image(tmp_path / "classes" / "cat" / "a.png", 10, 10, (1, 1, 5, 5))
    bright_square_image(tmp_path / "classes" / ".hidden" / "b.png", 10, 10, (1, 1, 5, 5))
    loose = bright_square_image(tmp_path / "a.png", 10, 10, (1, 1, 5, 5))
    images = collect(["squares", str(tmp_path / "classes"), str(loose)], tmp_path / "datasets")
    assert [i.name for i in images] == ["img0", "img1", "cat/a", "a"]
    assert images[0].ground_truth == tmp_path / "datasets/squares/masks/img0.png"
    assert images[2].label == "cat" and images[2].ground_truth is None
    assert images[3].label is None


def test_same_names_from_two_inputs_are_made_unique(tmp_path):
    first = bright_square_image(tmp_path / "x" / "a.png", 10, 10, (1, 1, 5, 5))
    second = bright_square_image(tmp_path / "y" / "a.png", 10, 10, (1, 1, 5, 5))
    assert [i.name for i in collect([str(first), str(second)], tmp_path)] == ["a", "a-2"]


def test_missing_input_is_one_line(tmp_path):
    with pytest.raises(NnplugError, match="'nope' not found"):
        collect(["nope"], tmp_path)


def test_session_threads_default_to_the_cores_and_can_be_set(tmp_path):
    path = brightness_segmenter(tmp_path / "m.onnx")
    assert default_threads() >= 1
    session = OrtSession(path, ["CPUExecutionProvider"], threads=1)
    assert session.session.get_session_options().intra_op_num_threads == 1
    assert OrtSession(path).session.get_session_options().intra_op_num_threads == default_threads()
    assert session.input.shape == (None, 3, None, None) and session.fixed_batch is None
