"""The ``one_layer`` ONNX model: dense + softmax over flattened images, built with onnx.helper."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nnplug.files import write_atomically

#: ONNX opset and IR version written (readable by onnxruntime and onnx2torch installed here).
OPSET = 17
IR_VERSION = 8


def one_layer(
    width: int = 110, height: int = 110, channels: int = 3, classes: int = 3,
    init: Literal["glorot", "zeros"] = "glorot", seed: int = 0,
) -> onnx.ModelProto:
    """Return the graph ``softmax(x @ W + b)`` for flattened ``height × width × channels`` images.

    Input ``input`` (N, width·height·channels) float32; initializers ``dense_W`` (inputs,
    classes), Glorot-uniform from ``seed`` or zeros, and ``dense_b`` (zeros); nodes ``dense``
    (Gemm) and ``softmax`` (axis 1); output ``probabilities`` (N, classes).
    """
    for name, value in (("width", width), ("height", height), ("channels", channels), ("classes", classes)):
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    inputs = width * height * channels
    if init == "zeros":
        weights = np.zeros((inputs, classes))
    else:
        limit = np.sqrt(6.0 / (inputs + classes))
        weights = np.random.default_rng(seed).uniform(-limit, limit, size=(inputs, classes))
    graph = helper.make_graph(
        nodes=[
            helper.make_node("Gemm", ["input", "dense_W", "dense_b"], ["logits"], name="dense"),
            helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
        ],
        name="one_layer",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", inputs])],
        outputs=[helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", classes])],
        initializer=[
            numpy_helper.from_array(weights.astype(np.float32), "dense_W"),
            numpy_helper.from_array(np.zeros(classes, dtype=np.float32), "dense_b"),
        ],
    )
    model = helper.make_model(graph, producer_name="nnplug", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = f"dense + softmax for {width}x{height}x{channels} images flattened, {classes} classes"
    onnx.checker.check_model(model)
    return model


def save(model: onnx.ModelProto, path: Path) -> Path:
    """Write ``model`` to ``path`` atomically (temporary file, then rename); return the path."""
    path = Path(path)
    write_atomically(path, lambda stream: stream.write(model.SerializeToString()), binary=True)
    return path
