"""An ONNX graph as a trainable torch module, through onnx2torch."""
from __future__ import annotations

import re
from pathlib import Path

import onnx
import torch
from onnx2torch import convert
from onnx2torch.node_converters.dropout import OnnxDropoutDynamic
from torch import fx, nn

from nnplug import NnplugError
from nnplug_onnx.graphs import CONFIGURATION_INPUTS, unsupported_ops, value_consumers
from nnplug_torch import SeededDropout



def to_torch(model: onnx.ModelProto, path: Path, generator: torch.Generator) -> fx.GraphModule:
    """Convert ``model`` (read from ``path``) into a GraphModule whose float weights are parameters.

    Conv/Gemm weights become the parameters of ``nn.Conv*``/``nn.Linear`` modules; other float
    initializers feeding data inputs (MatMul, Add...) are promoted from buffers to parameters and
    named after their ONNX names; shape-like ones stay buffers. Dropout uses the model's
    generator (replayable for gradient checks).
    """
    missing = unsupported_ops(model)
    if missing:
        raise NnplugError(f"{path} uses ONNX operators that cannot run in torch here: {', '.join(missing)}")
    try:
        # onnx2torch builds nn.Linear/nn.Conv modules whose default initialization draws from the
        # global RNG (then overwritten by the file's weights): keep the global RNG untouched.
        with torch.random.fork_rng(devices=[]):
            network = convert(model, attach_onnx_mapping=True)
    except NotImplementedError as err:
        raise NnplugError(f"{path} cannot be converted to torch: {' '.join(str(err).split())}") from None
    with torch.no_grad():  # transposed Gemm weights arrive as strided views: slower matmuls and updates
        for tensor in [*network.parameters(), *network.buffers()]:
            tensor.data = tensor.data.contiguous()
    _promote_initializers(network, model)
    _replace_dropouts(network, generator)
    return network


def _promote_initializers(network: fx.GraphModule, model: onnx.ModelProto) -> None:
    consumers = value_consumers(model)
    container = getattr(network, "initializers", None)
    if container is None:  # no initializer outside Conv/Gemm modules
        return
    onnx_names: dict[str, str] = {}
    for node in network.graph.nodes:
        if node.op != "call_module":
            continue
        mapping = getattr(network.get_submodule(node.target), "onnx_mapping", None)
        if mapping is None:
            continue
        for position, arg in enumerate(node.args):
            if isinstance(arg, fx.Node) and arg.op == "get_attr" and position < len(mapping.inputs):
                onnx_names.setdefault(arg.target.partition(".")[2], mapping.inputs[position])
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    for buffer_name, onnx_name in onnx_names.items():
        tensor = container._buffers.get(buffer_name)
        if tensor is None:
            continue
        new_name = _identifier(onnx_name, taken)
        taken.add(new_name)
        del container._buffers[buffer_name]
        trainable = tensor.is_floating_point() and all(use not in CONFIGURATION_INPUTS for use in consumers.get(onnx_name, []))
        if trainable:
            container.register_parameter(new_name, nn.Parameter(tensor.clone()))
        else:
            container.register_buffer(new_name, tensor)
        renamed[buffer_name] = new_name
    for node in network.graph.nodes:
        if node.op == "get_attr" and node.target.startswith("initializers."):
            old = node.target.partition(".")[2]
            if old in renamed:
                node.target = f"initializers.{renamed[old]}"
    network.recompile()


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name) or "initializer"
    if base[0].isdigit():
        base = f"t_{base}"
    candidate, count = base, 1
    while candidate in taken:
        count += 1
        candidate = f"{base}_{count}"
    return candidate


def _replace_dropouts(network: fx.GraphModule, generator: torch.Generator) -> None:
    for name, module in list(network.named_modules()):
        if isinstance(module, (nn.Dropout, OnnxDropoutDynamic)):
            rate = module.p if isinstance(module, nn.Dropout) else 0.5
            parent_name, _, child = name.rpartition(".")
            setattr(network.get_submodule(parent_name) if parent_name else network, child, SeededDropout(rate, generator))
