"""Build, with onnx.helper, a random-weight ONNX model with U2-Net's interface and operator mix.

The graph mirrors ``u2net.onnx`` as exported from PyTorch (batch norm folded into the
convolutions): one input ``input.1`` (batch, 3, 320, 320); residual U-blocks (RSU-7..RSU-4) whose
encoders max-pool with ``ceil_mode=1`` and whose bottom convolution is dilated; RSU-4F blocks
with dilations 1, 2, 4, 8; decoders that upsample bilinearly (Resize with sizes taken from the
skip tensor through Shape/Slice/Concat) and concatenate; six side outputs upsampled to the
input size, fused by a 1x1 convolution; seven Sigmoid outputs ``d0`` (fused) .. ``d6``.
Channel widths are tiny so that the model builds in milliseconds and runs in well under a second.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class GraphBuilder:
    """Accumulates nodes and random initializers; names are generated."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def constant(self, value: np.ndarray, prefix: str = "const") -> str:
        name = self.name(prefix)
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def node(self, op: str, inputs: list[str], **attributes) -> str:
        output = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def conv(self, x: str, inputs: int, outputs: int, kernel: int = 3, dilation: int = 1) -> str:
        weight = self.rng.normal(0, np.sqrt(2 / (inputs * kernel * kernel)), (outputs, inputs, kernel, kernel)).astype(np.float32)
        bias = self.rng.normal(0, 0.05, outputs).astype(np.float32)
        pad = dilation * (kernel // 2)
        return self.node(
            "Conv", [x, self.constant(weight, "weight"), self.constant(bias, "bias")],
            dilations=[dilation, dilation], pads=[pad] * 4, kernel_shape=[kernel, kernel],
        )

    def conv_relu(self, x: str, inputs: int, outputs: int, dilation: int = 1) -> str:
        """REBNCONV with batch norm folded in, as in the exported u2net.onnx."""
        return self.node("Relu", [self.conv(x, inputs, outputs, dilation=dilation)])

    def pool(self, x: str) -> str:
        return self.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)

    def upsample_like(self, source: str, target: str) -> str:
        """Bilinear Resize of ``source`` to the height and width of ``target`` (sizes computed in the graph)."""
        batch_channels = self.node("Slice", [self.node("Shape", [source]), self.constant(np.array([0], np.int64)), self.constant(np.array([2], np.int64))])
        height_width = self.node("Slice", [self.node("Shape", [target]), self.constant(np.array([2], np.int64)), self.constant(np.array([4], np.int64))])
        sizes = self.node("Concat", [batch_channels, height_width], axis=0)
        return self.node("Resize", [source, "", "", sizes], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")

    def concat(self, *tensors: str) -> str:
        return self.node("Concat", list(tensors), axis=1)

    def rsu(self, x: str, height: int, inputs: int, mid: int, outputs: int) -> str:
        """RSU-L: a small U-Net with pooling (ceil mode) and a dilated bottom, plus a residual."""
        entry = self.conv_relu(x, inputs, outputs)
        skips, hidden, channels = [], entry, outputs
        for level in range(height - 1):
            if level > 0:
                hidden = self.pool(hidden)
            hidden = self.conv_relu(hidden, channels, mid)
            channels = mid
            skips.append(hidden)
        hidden = self.conv_relu(hidden, mid, mid, dilation=2)
        for level, skip in enumerate(reversed(skips)):
            if level > 0:
                hidden = self.upsample_like(hidden, skip)
            hidden = self.conv_relu(self.concat(hidden, skip), 2 * mid, outputs if level == len(skips) - 1 else mid)
        return self.node("Add", [hidden, entry])

    def rsu4f(self, x: str, inputs: int, mid: int, outputs: int) -> str:
        """RSU-4F: dilations 1, 2, 4 then 8 at the bottom, no pooling."""
        entry = self.conv_relu(x, inputs, outputs)
        skips, hidden, channels = [], entry, outputs
        for dilation in (1, 2, 4):
            hidden = self.conv_relu(hidden, channels, mid, dilation)
            channels = mid
            skips.append(hidden)
        hidden = self.conv_relu(hidden, mid, mid, dilation=8)
        for dilation, skip, out in zip((4, 2, 1), reversed(skips), (mid, mid, outputs)):
            hidden = self.conv_relu(self.concat(hidden, skip), 2 * mid, out, dilation)
        return self.node("Add", [hidden, entry])


def build_u2net_like(path: Path, mid: int = 4, out: int = 8, seed: int = 0, size: int = 320, input_name: str = "input.1") -> Path:
    """Write the U2-Net-shaped model to ``path`` and return it (its input named like u2net.onnx's)."""
    g = GraphBuilder(seed)
    stages, hidden = [], input_name
    encoder = [(7, 3), (6, out), (5, out), (4, out), ("F", out), ("F", out)]
    for index, (height, inputs) in enumerate(encoder):
        if index > 0:
            hidden = g.pool(hidden)
        hidden = g.rsu4f(hidden, inputs, mid, out) if height == "F" else g.rsu(hidden, height, inputs, mid, out)
        stages.append(hidden)
    decoded, hidden = [stages[-1]], stages[-1]
    for height, skip in zip(("F", 4, 5, 6, 7), reversed(stages[:-1])):
        joined = g.concat(g.upsample_like(hidden, skip), skip)
        hidden = g.rsu4f(joined, 2 * out, mid, out) if height == "F" else g.rsu(joined, height, 2 * out, mid, out)
        decoded.append(hidden)
    sides = [g.upsample_like(g.conv(stage, out, 1), input_name) for stage in reversed(decoded)]
    fused = g.conv(g.concat(*sides), 6, 1, kernel=1)
    outputs = []
    for name, logits in zip(["d0", "d1", "d2", "d3", "d4", "d5", "d6"], [fused, *sides]):
        g.nodes.append(helper.make_node("Sigmoid", [logits], [name]))
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", 1, size, size]))
    graph = helper.make_graph(
        g.nodes, "u2net_like", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 3, size, size])], outputs, g.initializers
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="nnplug-tests")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
