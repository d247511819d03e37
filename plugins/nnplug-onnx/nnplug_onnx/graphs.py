"""Finding, reading and preparing ONNX graphs for training in torch (no torch needed here)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nnplug import NnplugError


#: (operator, input position) pairs that take configuration (shapes, scales, indices), never trained
#: and kept in the type the ONNX specification demands.
CONFIGURATION_INPUTS = {
    ("Resize", 1), ("Resize", 2), ("Resize", 3), ("Upsample", 1), ("Reshape", 1), ("Clip", 1), ("Clip", 2),
    ("Pad", 1), ("Pad", 2), ("Pad", 3), ("Expand", 1), ("Tile", 1), ("Dropout", 1), ("Dropout", 2),
    ("Slice", 1), ("Slice", 2), ("Slice", 3), ("Slice", 4), ("Gather", 1), ("Unsqueeze", 1), ("Squeeze", 1),
    ("ConstantOfShape", 0), ("Range", 0), ("Range", 1), ("Range", 2),
}


def locate(models_path: Path, name: str) -> Path:
    """``<models_path>/<name>.onnx``, or a one-line error listing the models that are there."""
    path = Path(models_path) / f"{name}.onnx"
    if path.is_file():
        return path
    found = sorted(p.stem for p in Path(models_path).glob("*.onnx")) if Path(models_path).is_dir() else []
    where = f"models in {models_path}: {', '.join(found)}" if found else f"no .onnx file in {models_path}"
    raise NnplugError(f"ONNX model {path} not found ({where}; `nnplug onnx one-layer` writes one_layer.onnx)")


def read(path: Path) -> onnx.ModelProto:
    """Parse and check an ONNX file; a file that is not ONNX is a one-line error."""
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as err:  # DecodeError, ValidationError...: all mean "not a usable ONNX file"
        reason = " ".join(str(err).split())[:200]
        raise NnplugError(f"{path} is not a valid ONNX model ({type(err).__name__}: {reason})") from None
    if len(model.graph.output) != 1:
        raise NnplugError(f"{path} has {len(model.graph.output)} outputs; OnnxTorch trains classifiers with one output")
    return model


def graph_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    """The real inputs of the graph (initializers listed as inputs by old exporters left out)."""
    initializers = {init.name for init in model.graph.initializer}
    return [value for value in model.graph.input if value.name not in initializers]


def dims(value: onnx.ValueInfoProto) -> list[int | None]:
    """The dimensions of a graph value, None where symbolic or unknown."""
    shape = value.type.tensor_type.shape
    return [d.dim_value if d.HasField("dim_value") else None for d in shape.dim]


def check_sample_shape(model: onnx.ModelProto, path: Path, sample_shape: tuple[int, ...], nbr_classes: int) -> None:
    """Refuse, in one line, a graph whose input or output does not fit the data loader's samples."""
    inputs = graph_inputs(model)
    if len(inputs) != 1:
        raise NnplugError(f"{path} has {len(inputs)} inputs; OnnxTorch feeds one (the samples)")
    expected = dims(inputs[0])
    sample = tuple(int(n) for n in sample_shape)
    fits = len(expected) == len(sample) + 1 and all(e is None or e == s for e, s in zip(expected[1:], sample))
    if not fits:
        shown = "(" + ", ".join("N" if d is None else str(d) for d in expected) + ")"
        raise NnplugError(
            f"{path} expects input of shape {shown} but the data loader gives samples of shape {sample} "
            f"(batches of (N, {', '.join(map(str, sample))})): regenerate the model or change --resize/--flatten"
        )
    output = dims(model.graph.output[0])
    if len(output) == 2 and output[1] is not None and output[1] != nbr_classes:
        raise NnplugError(f"{path} outputs {output[1]} classes but the dataset has {nbr_classes}")


def strip_final_softmax(model: onnx.ModelProto) -> bool:
    """Remove a Softmax over classes that produces the graph output, so the graph gives logits.

    Returns whether the graph ended in such a Softmax (the model re-applies it outside).
    """
    graph = model.graph
    output = graph.output[0]
    producer = next((node for node in graph.node if output.name in node.output), None)
    if producer is None or producer.op_type != "Softmax":
        return False
    rank = len(dims(output)) or 2
    axis = next((a.i for a in producer.attribute if a.name == "axis"), -1 if _opset(model) >= 13 else 1)
    if rank != 2 or axis not in (1, -1):
        return False
    graph.node.remove(producer)
    output.name = producer.input[0]
    return True


def to_double(model: onnx.ModelProto) -> None:
    """Turn the float32 data of the graph into float64 (weights, constants, casts, value types).

    Configuration inputs (Resize scales...) keep their type: the ONNX specification fixes it.
    """
    graph = model.graph
    uses = value_consumers(model)
    configuration = {name for name, pairs in uses.items() if any(pair in CONFIGURATION_INPUTS for pair in pairs)}
    for index, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT and init.name not in configuration:
            graph.initializer[index].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float64), init.name))
    for node in graph.node:
        if set(node.output) & configuration:
            continue
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type == TensorProto.FLOAT:
                attribute.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attribute.t).astype(np.float64), attribute.t.name))
            elif node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT:
                attribute.i = TensorProto.DOUBLE
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT and value.name not in configuration:
            value.type.tensor_type.elem_type = TensorProto.DOUBLE


def unsupported_ops(model: onnx.ModelProto) -> list[str]:
    """Operators of the graph that onnx2torch cannot convert (sorted, without repeats)."""
    from onnx2torch.node_converters.registry import get_converter

    opsets = {opset.domain or "": opset.version for opset in model.opset_import}
    missing = set()
    for node in model.graph.node:
        domain = node.domain or ""
        try:
            get_converter(operation_type=node.op_type, version=opsets.get(domain, 1), domain=domain)
        except NotImplementedError:
            missing.add(node.op_type if not domain else f"{domain}.{node.op_type}")
    return sorted(missing)


def value_consumers(model: onnx.ModelProto) -> dict[str, list[tuple[str, int]]]:
    """For each value of the graph (initializers included), the (operator, input position) pairs that read it."""
    consumers: dict[str, list[tuple[str, int]]] = {init.name: [] for init in model.graph.initializer}
    for node in model.graph.node:
        for position, name in enumerate(node.input):
            if name:
                consumers.setdefault(name, []).append((node.op_type, position))
    return consumers


def _opset(model: onnx.ModelProto) -> int:
    return next((opset.version for opset in model.opset_import if opset.domain in ("", "ai.onnx")), 1)


def value_info(name: str, elem_type: int, shape: list[int | str | None]) -> onnx.ValueInfoProto:
    """A typed graph value (shorthand over :func:`onnx.helper.make_tensor_value_info`)."""
    return helper.make_tensor_value_info(name, elem_type, shape)
