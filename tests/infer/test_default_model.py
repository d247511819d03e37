"""bin/infer with no arguments: the shipped BlobNet segments the sample dataset with mean IoU >= 0.9."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import onnx
import pytest

from infer_images import output_files

REPO = Path(__file__).resolve().parents[2]


def test_shipped_model_has_u2net_interface_and_is_small():
    path = REPO / "models" / "blobnet.onnx"
    assert path.stat().st_size < 5_000_000
    model = onnx.load(str(path))
    dims = [d.dim_value or d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims[1:] == [3, 320, 320] and isinstance(dims[0], str)  # dynamic batch
    assert model.graph.node[-1].op_type == "Sigmoid" and model.graph.node[-1].output[0] == model.graph.output[0].name


@pytest.mark.slow
def test_bin_infer_without_arguments_segments_the_samples(tmp_path):
    # default model, dataset and backend; only the output folder is redirected out of the repository
    done = subprocess.run([str(REPO / "bin/infer"), "--output-dir", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    samples = sorted(p.stem for p in (REPO / "datasets/segmentation/images").iterdir())
    assert output_files(tmp_path) == sorted(f"{s}_{k}.png" for s in samples for k in ("cutout", "figure", "mask"))
    iou = float(re.search(r"mean IoU against ground truth: ([\d.]+) over (\d+) image", done.stdout).group(1))
    assert iou >= 0.9, done.stdout
