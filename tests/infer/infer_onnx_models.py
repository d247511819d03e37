"""Tiny ONNX models built with onnx.helper for the inference tests (no torch, milliseconds to build)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _save(graph: onnx.GraphProto, path: Path, metadata: dict[str, str] | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if metadata:
        helper.set_model_props(model, metadata)
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def brightness_segmenter(path: Path, size: int | None = None, batch: int | str = "batch", metadata: dict[str, str] | None = None) -> Path:
    """(N, 3, H, W) → sigmoid(sum of channels) as (N, 1, H, W): bright pixels are foreground.

    Args:
        path: where to write the model.
        size: fixed height and width, or None for dynamic ones.
        batch: a fixed batch size or the name of a dynamic batch axis.
        metadata: the model's metadata_props (e.g. its segmentation conventions).
    """
    spatial = [size, size] if size else ["height", "width"]
    weight = numpy_helper.from_array(np.ones((1, 3, 1, 1), np.float32), "weight")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input", "weight"], ["logits"]), helper.make_node("Sigmoid", ["logits"], ["mask"])],
        "brightness",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, *spatial])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [batch, 1, *spatial])],
        [weight],
    )
    return _save(graph, path, metadata)


def flat_classifier(path: Path, size: int, weights: np.ndarray) -> Path:
    """(N, size*size*3) → softmax(x @ weights): a dense classifier like bin/train's OneLayer."""
    w = numpy_helper.from_array(weights.astype(np.float32), "weight")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["input", "weight"], ["logits"]), helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)],
        "flat_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", size * size * 3])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", weights.shape[1]])],
        [w],
    )
    return _save(graph, path)


def rank2_model(path: Path, shape: tuple = ("batch", 12)) -> Path:
    """A Relu model whose input has ``shape`` (rank 2 by default): not an image model."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["input"], ["output"])],
        "relu",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(shape))],
    )
    return _save(graph, path)
