"""bin/infer segmentation: outputs per image, ground truth IoU, batching, defaults."""
from __future__ import annotations

import numpy as np
from PIL import Image

from infer_images import bright_square_image, output_files, square_dataset


def test_segments_a_dataset_writes_mask_cutout_figure_and_reports_iou(tmp_path, models, run_infer):
    square_dataset(tmp_path / "datasets" / "squares")
    out = tmp_path / "out"
    outcome = run_infer("squares", "--datasets-path", tmp_path / "datasets", "--models-path", models,
                        "--onnx-model", "bright", "--resize=32,32", "--output-dir", out)
    assert outcome.status == 0, outcome.err
    assert output_files(out) == sorted(f"img{i}_{kind}.png" for i in range(3) for kind in ("mask", "cutout", "figure"))
    source = np.asarray(Image.open(tmp_path / "datasets/squares/images/img2.png"))
    mask = np.asarray(Image.open(out / "img2_mask.png"))
    cutout = np.asarray(Image.open(out / "img2_cutout.png"))
    assert mask.shape == source.shape[:2] and mask.dtype == np.uint8  # resized back to the image's size
    assert cutout.shape == (*source.shape[:2], 4)
    assert np.array_equal(cutout[..., :3], source) and np.array_equal(cutout[..., 3], mask)
    assert mask.min() == 0 and mask.max() == 255  # min-max normalized
    assert "segmented 3 image(s) with bright" in outcome.out
    iou = float(outcome.out.split("mean IoU against ground truth: ")[1].split()[0])
    assert iou > 0.9


def test_batches_give_the_same_masks_as_single_images(tmp_path, models, run_infer):
    square_dataset(tmp_path / "squares", count=5)
    for batch in (1, 3):
        outcome = run_infer(tmp_path / "squares", "--models-path", models, "--onnx-model=bright", "--resize=32,32",
                            f"--batch-size={batch}", "--figures=false", "--output-dir", tmp_path / f"out{batch}")
        assert outcome.status == 0, outcome.err
    for index in range(5):
        one = np.asarray(Image.open(tmp_path / f"out1/img{index}_mask.png"))
        three = np.asarray(Image.open(tmp_path / f"out3/img{index}_mask.png"))
        assert np.array_equal(one, three)
    assert output_files(tmp_path / "out3") == sorted(f"img{i}_{k}.png" for i in range(5) for k in ("mask", "cutout"))


def test_model_with_fixed_batch_of_one_runs_whatever_the_batch_size(tmp_path, models, run_infer):
    square_dataset(tmp_path / "squares", count=3)
    outcome = run_infer(tmp_path / "squares", "--models-path", models, "--onnx-model=bright32", "--resize=32,32",
                        "--batch-size=4", "--figures=false", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert len(output_files(tmp_path / "out")) == 6


def test_single_file_and_default_output_folder_named_after_the_model(tmp_path, models, run_infer, monkeypatch):
    image = bright_square_image(tmp_path / "photo.png", 50, 30, (5, 5, 20, 20))
    monkeypatch.chdir(tmp_path)
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--resize=32,32")
    assert outcome.status == 0, outcome.err
    assert output_files(tmp_path / "inference" / "bright") == ["photo_cutout.png", "photo_figure.png", "photo_mask.png"]
    assert "IoU" not in outcome.out  # no ground truth for a loose file


def test_class_folders_keep_their_structure_in_the_outputs(tmp_path, models, run_infer):
    bright_square_image(tmp_path / "in" / "a" / "x.png", 20, 20, (2, 2, 9, 9))
    bright_square_image(tmp_path / "in" / "b" / "x.png", 20, 20, (2, 2, 9, 9))
    (tmp_path / "in" / "notes.txt").write_text("not an image, ignored inside folders")
    outcome = run_infer(tmp_path / "in", "--models-path", models, "--onnx-model=bright", "--resize=32,32",
                        "--figures=false", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert output_files(tmp_path / "out") == ["a/x_cutout.png", "a/x_mask.png", "b/x_cutout.png", "b/x_mask.png"]


def test_display_without_a_screen_warns_and_still_saves(tmp_path, models, run_infer, monkeypatch, caplog):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    image = bright_square_image(tmp_path / "photo.png", 30, 30, (5, 5, 20, 20))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--resize=32,32", "--display", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert "photo_figure.png" in output_files(tmp_path / "out")
    assert any("no graphical display" in r.getMessage() for r in caplog.records)
