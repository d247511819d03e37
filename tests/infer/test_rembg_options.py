"""What rembg users expect from bin/infer: model names, post-processing, alpha matting, background, mask only."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from infer_images import bright_square_image, output_files
from test_bad_input import assert_one_line_error

from nnplug_onnxruntime import conventions
from nnplug_onnxruntime.cutouts import matted_cutout, over_background, post_processed, trimap


def test_known_names_have_rembg_sizes_and_normalizations():
    u2net = conventions.resolve("u2net", {})
    assert u2net.size == (320, 320) and u2net.mean == (0.485, 0.456, 0.406) and u2net.std == (0.229, 0.224, 0.225)
    for name in ("u2netp", "u2net_human_seg", "silueta"):
        assert conventions.resolve(name, {}).size == (320, 320)
    isnet = conventions.resolve("isnet-general-use", {})
    assert isnet.size == (1024, 1024) and isnet.std == (1.0, 1.0, 1.0) and isnet.mean == (0.485, 0.456, 0.406)


def test_options_win_over_metadata_which_wins_over_the_name():
    stored = conventions.SegmentationConventions((64, 48), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)).as_metadata()
    assert conventions.resolve("u2net", stored).size == (64, 48)
    assert conventions.resolve("u2net", stored).std == (0.25, 0.25, 0.25)
    given = conventions.resolve("u2net", stored, resize=(100, 100))
    assert given.size == (100, 100) and given.mean == conventions.IMAGENET_MEAN


@pytest.mark.parametrize("name", sorted(conventions.KNOWN_MODELS))
def test_missing_known_model_says_where_to_get_it(tmp_path, models, run_infer, name):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, f"--onnx-model={name}", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, str(models / f"{name}.onnx"), f"releases/download/v0.0.0/{name}.onnx", "put it there")


def test_model_with_unknown_conventions_names_the_options_to_give(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=plain", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "model plain has unknown conventions", "--resize=W,H", "--mean=R,G,B --std=R,G,B")
    assert not (tmp_path / "out").exists()
    outcome = run_infer(image, "--models-path", models, "--onnx-model=plain", "--resize=32,32", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err


@pytest.mark.parametrize("args, fragment", [
    (["--background-color=1,2"], "R,G,B or R,G,B,A"),
    (["--background-color=0,0,300"], "R,G,B or R,G,B,A"),
    (["--mean=0.5,0.5"], "three numbers"),
    (["--std=1,0,1"], "must be positive"),
])
def test_bad_rembg_options_are_one_line(tmp_path, models, run_infer, args, fragment):
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", *args, "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, fragment)


def test_only_mask_writes_the_masks_alone(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 40, 30, (5, 5, 20, 20))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--only-mask", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert output_files(tmp_path / "out") == ["a_mask.png"]


def test_background_color_fills_what_the_mask_removes(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 40, 30, (5, 5, 20, 20))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--figures=false", "--background-color=0,0,255",
                        "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    cutout = np.asarray(Image.open(tmp_path / "out/a_cutout.png"))
    mask = np.asarray(Image.open(tmp_path / "out/a_mask.png"))
    assert cutout.shape == (30, 40, 4) and (cutout[..., 3] == 255).all()  # opaque colour: opaque result
    assert (cutout[mask == 0, :3] == (0, 0, 255)).all() and (cutout[mask == 255, :3] == 240).all()


def test_over_background_is_porter_duff_over():
    cutout = np.array([[[200, 100, 0, 128], [10, 20, 30, 0]]], np.uint8)
    half = over_background(cutout, (0, 0, 0, 128))
    alpha = 128 / 255 + (128 / 255) * (1 - 128 / 255)
    assert half[0, 0, 3] == round(alpha * 255)
    assert half[0, 1].tolist() == [0, 0, 0, 128]
    assert abs(int(half[0, 0, 0]) - 200 * (128 / 255) / alpha) <= 1


def test_post_processing_removes_specks_and_gives_a_binary_mask():
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 10:30] = 200
    mask[2, 2] = 255  # a one-pixel speck
    mask[20, 35] = 255
    cleaned = post_processed(mask)
    assert set(np.unique(cleaned)) == {0, 255}
    assert cleaned[2, 2] == 0 and cleaned[20, 35] == 0
    assert (cleaned[14:26, 14:26] == 255).all()


def test_post_process_mask_option_writes_binary_masks(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 40, 30, (5, 5, 20, 20))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--post-process-mask", "--figures=false",
                        "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    assert set(np.unique(np.asarray(Image.open(tmp_path / "out/a_mask.png")))) <= {0, 255}


def test_trimap_erodes_the_sure_regions():
    mask = np.zeros((30, 30), np.uint8)
    mask[5:25, 5:25] = 255
    known = trimap(mask, 240, 10, 3)
    assert known[15, 15] == 255 and known[0, 0] == 0
    assert known[5, 15] == 128 and known[4, 15] == 128  # the boundary band is unknown


def test_alpha_matting_recovers_a_soft_edge():
    rng = np.random.default_rng(0)
    ramp = np.clip((np.arange(48) - 16) / 16, 0, 1)  # background 0..16, soft edge 16..32, foreground beyond
    alpha = np.tile(ramp, (24, 1))
    foreground, background = np.array([230, 40, 40]), np.array([20, 60, 200])
    rgb = (alpha[..., None] * foreground + (1 - alpha[..., None]) * background + rng.normal(0, 1, (24, 48, 3))).clip(0, 255).astype(np.uint8)
    coarse = np.where(alpha > 0.5, 255, 0).astype(np.uint8)
    cutout = matted_cutout(rgb, coarse, 240, 10, 3)
    assert cutout is not None and cutout.shape == (24, 48, 4)
    estimated = cutout[..., 3] / 255
    assert np.abs(estimated - alpha).mean() < np.abs(coarse / 255 - alpha).mean()  # closer to the truth than the hard mask
    assert matted_cutout(rgb, np.zeros_like(coarse), 240, 10, 3) is None  # no sure foreground: nothing to matte


def test_alpha_matting_option_runs(tmp_path, models, run_infer):
    image = bright_square_image(tmp_path / "a.png", 40, 30, (5, 5, 30, 25))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=bright", "--alpha-matting", "--alpha-matting-erode-size=2",
                        "--figures=false", "--output-dir", tmp_path / "out")
    assert outcome.status == 0, outcome.err
    cutout = np.asarray(Image.open(tmp_path / "out/a_cutout.png"))
    assert cutout[15, 15, 3] > 240 and cutout[1, 1, 3] < 15


def test_unreadable_conventions_metadata_is_one_line(tmp_path, models, run_infer):
    from infer_onnx_models import brightness_segmenter

    brightness_segmenter(models / "odd.onnx", metadata={conventions.METADATA_KEY: '{"size": [32]}'})
    image = bright_square_image(tmp_path / "a.png", 20, 20, (2, 2, 9, 9))
    outcome = run_infer(image, "--models-path", models, "--onnx-model=odd", "--output-dir", tmp_path / "out")
    assert_one_line_error(outcome, "metadata nnplug.segmentation of model odd is not readable", "--resize")
