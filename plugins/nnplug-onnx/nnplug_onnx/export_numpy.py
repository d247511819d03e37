"""ONNX export of numpy-engine models (NLayers, OneLayer), built with onnx.helper from their weights.

The graph is read from the model's public surface only: :meth:`layer_names` gives the layers in
order (``L{position}_{LayerType}``) and :meth:`state_dict` their tensors by name
(``{layer}_W``/``_b`` for Dense, ``_gamma``/``_beta``/``_running_mean``/``_running_var`` for
BatchNormalization). Evaluation mode is exported: dropout is the identity and batch norm uses
its running statistics, folded into the dense layer before it (W·s, b·s + shift).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nnplug import Model, NnplugError
from nnplug.files import write_atomically

#: Batch-norm epsilon of the numpy engine.
BATCH_NORM_EPSILON = 1e-5
OPSET = 17
IR_VERSION = 8
_ELEMENT = {"float32": (np.float32, TensorProto.FLOAT), "float64": (np.float64, TensorProto.DOUBLE)}


def export_numpy_model(model: Model, path: Path, sample_shape: tuple[int, ...], dtype: str = "float32") -> None:
    """Write ``model`` (numpy engine, evaluation mode) as an ONNX classifier to ``path``."""
    numpy_dtype, element = _ELEMENT[dtype]
    state = model.state_dict()
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    current = "input"
    classes = 0
    if len(sample_shape) > 1:
        nodes.append(helper.make_node("Flatten", [current], ["flat"], name="flatten", axis=1))
        current = "flat"
    pending: dict[str, Any] | None = None  # a dense layer not written yet (batch norm may fold into it)

    def flush() -> None:
        nonlocal pending, current, classes
        if pending is None:
            return
        name = pending["name"]
        classes = int(pending["W"].shape[1])
        initializers.append(numpy_helper.from_array(pending["W"].astype(numpy_dtype), f"{name}_W"))
        initializers.append(numpy_helper.from_array(pending["b"].astype(numpy_dtype), f"{name}_b"))
        nodes.append(helper.make_node("Gemm", [current, f"{name}_W", f"{name}_b"], [name], name=name))
        current, pending = name, None

    for layer in model.layer_names():
        kind = layer.partition("_")[2]
        if kind == "Dense":
            flush()
            weights = np.asarray(state[f"{layer}_W"], dtype=np.float64)
            bias = np.asarray(state.get(f"{layer}_b", np.zeros(weights.shape[1])), dtype=np.float64)
            pending = {"name": layer, "W": weights, "b": bias}
        elif kind == "Dropout":
            continue
        elif kind == "BatchNormalization":
            scale = np.asarray(state[f"{layer}_gamma"], np.float64) / np.sqrt(np.asarray(state[f"{layer}_running_var"], np.float64) + BATCH_NORM_EPSILON)
            shift = np.asarray(state[f"{layer}_beta"], np.float64) - np.asarray(state[f"{layer}_running_mean"], np.float64) * scale
            if pending is None:
                raise NnplugError(f"cannot export {layer}: batch normalization is folded into the dense layer before it")
            pending["W"] = pending["W"] * scale
            pending["b"] = pending["b"] * scale + shift
        else:
            flush()
            nodes.append(_activation(kind, layer, current, model))
            current = layer
    flush()
    nodes[-1].output[0] = "probabilities"
    graph = helper.make_graph(
        nodes, f"{getattr(model, 'plugin_name', '') or type(model).__name__}",
        inputs=[helper.make_tensor_value_info("input", element, ["N", *sample_shape])],
        outputs=[helper.make_tensor_value_info("probabilities", element, ["N", classes])],
        initializer=initializers,
    )
    onnx_model = helper.make_model(graph, producer_name="nnplug", opset_imports=[helper.make_opsetid("", OPSET)])
    onnx_model.ir_version = IR_VERSION
    onnx.checker.check_model(onnx_model)
    write_atomically(Path(path), lambda stream: stream.write(onnx_model.SerializeToString()), binary=True)


def _activation(kind: str, layer: str, current: str, model: Model) -> onnx.NodeProto:
    if kind == "Softmax":
        return helper.make_node("Softmax", [current], [layer], name=layer, axis=1)
    if kind == "LeakyReLU":
        slope = float(getattr(model, "leaky_relu_slope", 0.01))
        return helper.make_node("LeakyRelu", [current], [layer], name=layer, alpha=slope)
    simple = {"ReLU": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh"}
    if kind in simple:
        return helper.make_node(simple[kind], [current], [layer], name=layer)
    raise NnplugError(f"cannot export layer {layer}: no ONNX counterpart for {kind} here")

