"""A model with U2-Net's interface and operators runs through bin/infer end to end.

The model (tests/infer/u2net_onnx.py) has u2net.onnx's input (batch, 3, 320, 320), its seven
sigmoid outputs and its operator mix (dilated convolutions, max-pooling in ceil mode, bilinear
Resize, Concat). bin/infer's mask must equal what a direct onnxruntime call on the same
preprocessed input gives, after the same post-processing.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from PIL import Image

from infer_images import output_files
from u2net_onnx import build_u2net_like

from nnplug.registry import Registry
from nnplug_onnxruntime.preprocessing import lanczos_resize, mask_grey, min_max_normalized, u2net_input

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def u2net_models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    build_u2net_like(folder / "u2net.onnx")
    return folder


def test_built_model_has_u2net_interface_and_operator_mix(u2net_models):
    model = onnx.load(str(u2net_models / "u2net.onnx"))
    dims = [d.dim_value or d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert model.graph.input[0].name == "input.1" and dims == ["batch", 3, 320, 320]
    assert [o.name for o in model.graph.output] == ["d0", "d1", "d2", "d3", "d4", "d5", "d6"]
    ops = {node.op_type for node in model.graph.node}
    assert {"Conv", "Relu", "MaxPool", "Resize", "Concat", "Add", "Sigmoid"} <= ops
    pools = [n for n in model.graph.node if n.op_type == "MaxPool"]
    assert all(onnx.helper.get_attribute_value(a) == 1 for n in pools for a in n.attribute if a.name == "ceil_mode")
    dilations = {tuple(onnx.helper.get_attribute_value(a)) for n in model.graph.node if n.op_type == "Conv" for a in n.attribute if a.name == "dilations"}
    assert {(1, 1), (2, 2), (4, 4), (8, 8)} <= dilations
    resizes = [n for n in model.graph.node if n.op_type == "Resize"]
    assert all(onnx.helper.get_attribute_value(a) == b"linear" for n in resizes for a in n.attribute if a.name == "mode")


def direct_mask(model: Path, image: Path, backend) -> np.ndarray:
    """The mask of ``image`` computed with a plain onnxruntime session and the same backend's decoding."""
    rgb = backend.read_rgb(image)
    tensor = u2net_input(lanczos_resize(rgb, 320, 320))[None]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    first = session.run(None, {session.get_inputs()[0].name: tensor})[0]
    return lanczos_resize(mask_grey(min_max_normalized(first[0, 0])), rgb.shape[1], rgb.shape[0])



@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ["Vips", "ImageMagick"])
def test_bin_infer_runs_u2net_shaped_model_and_matches_direct_onnxruntime(tmp_path, u2net_models, backend_name):
    backend = Registry().create("image_backend", backend_name, {})
    images = [REPO / "datasets/segmentation/images/sample_01.jpg", REPO / "datasets/segmentation/images/sample_02.jpg"]
    out = tmp_path / "out"
    done = subprocess.run(
        [str(REPO / "bin/infer"), *map(str, images), "--onnx-model=u2net", "--models-path", str(u2net_models),
         "--image-backend", backend_name, "--batch-size=2", "--figures=false", "--output-dir", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert output_files(out) == sorted(f"sample_0{i}_{k}.png" for i in (1, 2) for k in ("mask", "cutout"))
    for image in images:
        written = np.asarray(Image.open(out / f"{image.stem}_mask.png"))
        expected = direct_mask(u2net_models / "u2net.onnx", image, backend)
        assert written.shape == expected.shape and expected.min() < 64 and expected.max() > 192  # a real mask, not a flat image
        assert np.array_equal(written, expected), f"{image.name}: {np.count_nonzero(written != expected)} pixels differ"
