"""bin/infer bad input: one line on stderr, exit status 2, nothing written."""
from __future__ import annotations

import numpy as np
from PIL import Image

from infer_images import bright_square_image, output_files, square_dataset


def assert_one_line_error(outcome, *fragments: str) -> None:
    assert outcome.status == 2, (outcome.out, outcome.err)
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("infer: error: "), outcome.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_model_says_where_it_looked(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=nothere", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "nothere", str(models / "nothere.onnx"))
    assert not (tmp_path / "out").exists()


def test_missing_u2net_says_what_to_do(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=u2net", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, str(models / "u2net.onnx"), "download u2net.onnx", "put it there")


def test_corrupt_model_file(tmp_path, models, run_infer):
    (models / "broken.onnx").write_bytes(b"\x08\x07garbage that is not a protobuf model" * 10)
    (models / "text.onnx").write_text("hello")
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    for name in ("broken", "text"):
        outcome = run_infer(image, "--models-path", models, f"--onnx-model={name}", "--output-dir", tmp_path / "out")
        assert_one_line_error(outcome, f"cannot load ONNX model {models / (name + '.onnx')}", "not a valid ONNX file")
    assert not (tmp_path / "out").exists()


def test_model_with_unexpected_input_rank(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=rank2", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "rank 2", "needs rank 4")


def test_model_with_a_fixed_size_other_than_resize(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright32", "--resize=64,64", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "takes 32x32 images", "--resize=32,32")


def test_unreadable_file_in_a_folder_is_skipped_with_a_warning(tmp_path, models, run_infer, caplog):
    square_dataset(tmp_path / "data", count=2)
    (tmp_path / "data" / "images" / "broken.png").write_bytes(b"not a png at all")
    outcome = run_infer(tmp_path / "data", "--models-path", models, "--onnx-model=bright", "--resize=32,32",
                        "--figures=false", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert output_files(tmp_path / "out") == ["img0_cutout.png", "img0_mask.png", "img1_cutout.png", "img1_mask.png"]
    assert "skipped 1 unreadable file(s)" in outcome.out and "broken.png" in outcome.out
    assert any("skipped" in r.getMessage() and "broken.png" in r.getMessage() for r in caplog.records)


def test_non_image_file_named_alone_fails_without_output(tmp_path, models, run_infer):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    outcome = run_infer(notes, "--models-path", models, "--onnx-model=bright", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "no readable image")
    assert not (tmp_path / "out").exists()


def test_empty_folder(tmp_path, models, run_infer):
    (tmp_path / "empty").mkdir()
    outcome = run_infer(tmp_path / "empty", "--models-path", models, "--onnx-model=bright", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "no image in", str(tmp_path / "empty"))
    assert not (tmp_path / "out").exists()


def test_input_that_does_not_exist(tmp_path, models, run_infer):
    outcome = run_infer("nowhere", "--datasets-path", tmp_path, "--models-path", models, "--onnx-model=bright")
    assert_one_line_error(outcome, "'nowhere' not found", str(tmp_path))


def test_output_folder_that_cannot_be_written(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output folder's parent should be")
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--output-dir", blocker / "out")
    assert_one_line_error(outcome, "cannot write to output directory", str(blocker / "out"))


def test_failure_half_way_leaves_no_partial_outputs(tmp_path, models, run_infer):
    square_dataset(tmp_path / "data", count=3)
    # the last image's ground truth has the wrong size: found only after two images were segmented
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(tmp_path / "data" / "masks" / "img2.png")
    out = tmp_path / "out"
    outcome = run_infer(tmp_path / "data", "--models-path", models, "--onnx-model=bright", "--resize=32,32", "--output-dir", out)
    assert_one_line_error(outcome, "ground truth", "img2.png")
    assert not out.exists()  # not even the folder the run created


def test_bad_option_values(tmp_path, models, run_infer):
    for args, fragment in ((["--resize=32"], "WIDTH,HEIGHT"), (["--batch-size=0"], "batch-size"), (["--providers=NoSuchProvider"], "NoSuchProvider")):
        image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
        outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--output-dir", tmp_path / "out", *args)
        assert_one_line_error(outcome, fragment)


def test_failed_run_keeps_an_existing_output_folder_and_its_files(tmp_path, models, run_infer):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("user's file")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    outcome = run_infer(notes, "--models-path", models, "--onnx-model=bright", "--output-dir", out)
    assert_one_line_error(outcome, "no readable image")
    assert output_files(out) == ["keep.txt"]
