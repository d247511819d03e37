"""OnnxTorch: operator coverage against ONNX Runtime, one_layer, and bad ONNX input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from nnplug import NnplugError
from nnplug.cli.main import cli

onnxruntime = pytest.importorskip("onnxruntime")


def _constant(name: str, values, dtype=np.int64) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def every_operator_graph() -> onnx.ModelProto:
    """A small image classifier using every operator OnnxTorch must run (random weights)."""
    rng = np.random.default_rng(0)
    weights = lambda name, *shape: numpy_helper.from_array(rng.normal(0, 0.5, shape).astype(np.float32), name)  # noqa: E731
    node = helper.make_node
    nodes = [
        node("Conv", ["input", "conv_W", "conv_b"], ["c1"], name="conv", pads=[1, 1, 1, 1]),
        node("BatchNormalization", ["c1", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], name="bn"),
        node("Relu", ["bn"], ["r"], name="relu"),
        node("MaxPool", ["r"], ["mp"], name="max_pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        node("AveragePool", ["mp"], ["ap"], name="average_pool", kernel_shape=[2, 2], strides=[2, 2]),
        node("Resize", ["ap", "", "resize_scales"], ["rs"], name="resize", mode="nearest"),
        node("LeakyRelu", ["rs"], ["lr"], name="leaky_relu", alpha=0.1),
        node("Concat", ["mp", "lr"], ["cat"], name="concat", axis=1),
        node("GlobalAveragePool", ["cat"], ["gap"], name="global_average_pool"),
        node("Shape", ["gap"], ["shape"], name="shape"),
        node("Constant", [], ["zero"], name="zero", value=_constant("zero_value", 0)),
        node("Gather", ["shape", "zero"], ["batch"], name="gather", axis=0),
        node("Unsqueeze", ["batch", "axes0"], ["batch1"], name="unsqueeze"),
        node("Constant", [], ["minus_one"], name="minus_one", value=_constant("minus_one_value", [-1])),
        node("Concat", ["batch1", "minus_one"], ["new_shape"], name="concat_shape", axis=0),
        node("Reshape", ["gap", "new_shape"], ["pooled"], name="reshape"),
        node("Flatten", ["cat"], ["flat"], name="flatten", axis=1),
        node("Slice", ["flat", "starts", "ends", "slice_axes"], ["sliced"], name="slice"),
        node("Add", ["pooled", "sliced"], ["added"], name="add"),
        node("Tanh", ["added"], ["t"], name="tanh"),
        node("Sigmoid", ["pooled"], ["s"], name="sigmoid"),
        node("Add", ["t", "s"], ["ts"], name="add_activations"),
        node("Transpose", ["ts"], ["tr"], name="transpose", perm=[1, 0]),
        node("Transpose", ["tr"], ["back"], name="transpose_back", perm=[1, 0]),
        node("Cast", ["back"], ["cast"], name="cast", to=TensorProto.FLOAT),
        node("MatMul", ["cast", "matmul_W"], ["mm"], name="matmul"),
        node("Gemm", ["mm", "gemm_W", "gemm_b"], ["logits"], name="gemm"),
        node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
    ]
    initializers = [
        weights("conv_W", 4, 3, 3, 3), weights("conv_b", 4),
        numpy_helper.from_array(np.linspace(0.5, 1.5, 4).astype(np.float32), "bn_scale"), weights("bn_bias", 4),
        weights("bn_mean", 4), numpy_helper.from_array(np.linspace(0.5, 2.0, 4).astype(np.float32), "bn_var"),
        numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "resize_scales"),
        _constant("axes0", [0]), _constant("starts", [0]), _constant("ends", [8]), _constant("slice_axes", [1]),
        weights("matmul_W", 8, 5), weights("gemm_W", 5, 3), weights("gemm_b", 3),
    ]
    graph = helper.make_graph(
        nodes, "every_operator",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


@pytest.fixture(scope="module")
def models_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models")
    onnx.save(every_operator_graph(), path / "every_operator.onnx")
    return path


@pytest.mark.parametrize("dtype, tolerance", [("float32", 1e-5), ("float64", 1e-5)])
def test_every_operator_matches_onnxruntime_and_trains(registry, models_path, dtype, tolerance):
    model = registry.create("model", "OnnxTorch", {"models_path": models_path, "onnx_model": "every_operator", "dtype": dtype})
    model.build((3, 8, 8), 3, seed=0)
    x = np.random.default_rng(1).uniform(size=(5, 3, 8, 8)).astype(np.float32)
    session = onnxruntime.InferenceSession(str(models_path / "every_operator.onnx"), providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"input": x})
    ours = model.forward(x, training=False).detach().numpy()
    assert np.abs(ours - expected).max() <= tolerance
    names = [p.name for p in model.parameters()]
    assert {"conv.weight", "bn.weight", "gemm.weight", "initializers.matmul_W"} <= set(names)
    assert not any("resize_scales" in n or "starts" in n for n in names)  # shape-like initializers stay constants
    loss = registry.create("loss", "CrossEntropyTorch", {})
    y = np.eye(3)[[0, 1, 2, 0, 1]]
    output = model.forward(x, training=True)
    model.backward(loss, output, y, loss.cost(output, y))
    assert all(p.grad is not None for p in model.parameters())


def test_unsupported_operator_is_named(registry, tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Hardmax", ["input"], ["probabilities"], name="odd", axis=1)], "odd",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 4])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "odd.onnx")
    model = registry.create("model", "OnnxTorch", {"models_path": tmp_path, "onnx_model": "odd"})
    with pytest.raises(NnplugError, match="operators that cannot run in torch here: Hardmax$"):
        model.build((4,), 4, seed=0)


def test_missing_model_lists_the_available_ones(registry, models_path):
    with pytest.raises(NnplugError, match=r"not found \(models in .*: every_operator;"):
        registry.create("model", "OnnxTorch", {"models_path": models_path, "onnx_model": "u2net"})


def test_a_file_that_is_not_onnx_is_refused(registry, tmp_path):
    (tmp_path / "broken.onnx").write_text("not a protobuf at all")
    model = registry.create("model", "OnnxTorch", {"models_path": tmp_path, "onnx_model": "broken"})
    with pytest.raises(NnplugError, match="is not a valid ONNX model"):
        model.build((4,), 3, seed=0)


def test_input_shape_mismatch_says_both_shapes(registry, models_path):
    model = registry.create("model", "OnnxTorch", {"models_path": models_path, "onnx_model": "every_operator"})
    with pytest.raises(NnplugError, match=r"expects input of shape \(N, 3, 8, 8\) but the data loader gives samples of shape \(192,\)"):
        model.build((192,), 3, seed=0)


def test_one_layer_command_writes_the_model(tmp_path):
    output = tmp_path / "m" / "one_layer.onnx"
    cli.main(["onnx", "one-layer", "--size=4,3", "--channels=1", "--classes=3", f"--output={output}"], standalone_mode=False)
    model = onnx.load(str(output))
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Softmax"]
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 12


def test_shipped_one_layer_fits_the_colors_defaults():
    model = onnx.load("models/one_layer.onnx") if Path("models/one_layer.onnx").exists() else None
    if model is None:
        pytest.skip("run from the repository root")
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 110 * 110 * 3
    assert model.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 3


@pytest.mark.slow
def test_onnx_one_layer_trains_like_one_layer(train, tmp_path):
    """Both start from zero weights: same data, same updates, same curves (float64)."""
    cli.main(["onnx", "one-layer", "--size=12,1", "--channels=1", "--init=zeros", f"--output={tmp_path / 'zero.onnx'}"], standalone_mode=False)
    common = ["--nbr-epochs=6", "--learning-rate=0.5"]
    (onnx_run,) = train([*common, "--model=OnnxTorch", f"--models-path={tmp_path}", "--onnx-model=zero", "--optimizer=SGDTorch",
                         "--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"])
    (numpy_run,) = train([*common, "--model=OneLayer", "--initializer=Zero", "--optimizer=Constant"])
    np.testing.assert_allclose(train.curve(onnx_run), train.curve(numpy_run), rtol=1e-9)
    np.testing.assert_allclose(train.dev_curve(onnx_run), train.dev_curve(numpy_run), rtol=1e-9)
    assert onnx_run.repeats[0].final_dev_accuracy == numpy_run.repeats[0].final_dev_accuracy


@pytest.mark.slow
def test_onnx_one_layer_trains_like_one_layer_on_colors(train, tmp_path):
    """The 110x110x3 one_layer graph (zero weights) and OneLayer (zero weights) on the colors images."""
    datasets = Path(__file__).resolve().parents[2] / "datasets"
    if not (datasets / "colors").is_dir():
        pytest.skip("datasets/colors is not there")
    cli.main(["onnx", "one-layer", "--init=zeros", f"--output={tmp_path / 'one_layer.onnx'}"], standalone_mode=False)
    common = ["--data-loader=Vips", f"--datasets-path={datasets}", "--nbr-epochs=4", "--learning-rate=0.01",
              "--max-minibatch-size=20"]
    (onnx_run,) = train([*common, "--model=OnnxTorch", f"--models-path={tmp_path}", "--optimizer=SGDTorch",
                         "--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"])
    (numpy_run,) = train([*common, "--model=OneLayer", "--initializer=Zero", "--optimizer=Constant"])
    np.testing.assert_allclose(train.curve(onnx_run), train.curve(numpy_run), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(train.dev_curve(onnx_run), train.dev_curve(numpy_run), rtol=1e-6, atol=1e-9)
    assert onnx_run.repeats[0].final_dev_accuracy == numpy_run.repeats[0].final_dev_accuracy == 1.0
