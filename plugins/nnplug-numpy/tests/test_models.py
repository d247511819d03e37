"""OneLayer and NLayers: exact gradients, equivalences, reproducibility, inputs, checkpoints, bad options."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.errors import NnplugError
from nnplug.loss import Loss
from nnplug_numpy.losses import CrossEntropy
from nnplug_numpy.models.n_layers import NLayers
from nnplug_numpy.models.numpy_model import NumpyModel
from nnplug_numpy.models.one_layer import OneLayer


def samples(n: int = 12, shape: tuple[int, ...] = (2, 3, 3), classes: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs and one-hot targets."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)), np.eye(classes)[rng.integers(0, classes, n)]


def check_model_gradients(model: NumpyModel, x: np.ndarray, y: np.ndarray) -> None:
    """Every parameter entry's analytic gradient vs central differences of the cost (1e-6 relative)."""
    loss = CrossEntropy()
    output = model.forward(x, training=True)
    model.backward(loss, output, y, loss.cost(output, y))
    with model.frozen():
        for param in model.parameters():
            numerical = np.zeros_like(param.value)
            for index in np.ndindex(param.value.shape):
                original = param.value[index]
                param.value[index] = original + 1e-6
                plus = loss.cost(model.forward(x, training=True), y)
                param.value[index] = original - 1e-6
                minus = loss.cost(model.forward(x, training=True), y)
                param.value[index] = original
                numerical[index] = (plus - minus) / 2e-6
            distance = np.linalg.norm(numerical - param.grad) / (np.linalg.norm(numerical) + np.linalg.norm(param.grad))
            assert distance < 1e-6, (param.name, distance)


def test_one_layer_gradients() -> None:
    x, y = samples()
    model = OneLayer()
    model.build(x.shape[1:], 4, seed=1)
    check_model_gradients(model, x, y)


@pytest.mark.parametrize(
    "options",
    [
        {"layers": [6, 5]},
        {"layers": [6], "dropout_rate": 0.3},
        {"layers": [5], "bias": True, "batch_norm": False, "initializer": "Kaiming"},
        {"layers": []},
    ],
    ids=["two-hidden", "dropout", "bias-no-bn", "no-hidden"],
)
def test_n_layers_gradients(options: dict) -> None:
    x, y = samples()
    model = NLayers(**options)
    model.build(x.shape[1:], 4, seed=1)
    check_model_gradients(model, x, y)


def test_n_layers_names_and_shapes() -> None:
    model = NLayers(layers=[7])
    model.build((5,), 3, seed=0)
    assert model.layer_names() == [
        "L0_Dense", "L1_Dropout", "L2_BatchNormalization", "L3_LeakyReLU",
        "L4_Dense", "L5_Dropout", "L6_BatchNormalization", "L7_Softmax",
    ]
    assert [(p.name, p.value.shape, p.decay) for p in model.parameters()] == [
        ("L0_Dense_W", (5, 7), True),
        ("L2_BatchNormalization_gamma", (7,), False),
        ("L2_BatchNormalization_beta", (7,), False),
        ("L4_Dense_W", (7, 3), True),
        ("L6_BatchNormalization_gamma", (3,), False),
        ("L6_BatchNormalization_beta", (3,), False),
    ]


def test_one_layer_refuses_a_loss_without_the_shortcut() -> None:
    class SquaredError(Loss):
        def cost(self, output, target):
            return float(((output - target) ** 2).mean())

    x, y = samples()
    model = OneLayer()
    model.build(x.shape[1:], 4, seed=0)
    output = model.forward(x, training=True)
    with pytest.raises(NnplugError, match="cross-entropy"):
        model.backward(SquaredError(), output, y, 0.0)


@pytest.mark.slow
def test_n_layers_without_hidden_layers_reproduces_one_layer(train, metrics) -> None:
    one_layer = train("OneLayer", "Constant", optimizer_options={"learning_rate": 0.05}, nbr_epochs=5)
    n_layers = train(
        "NLayers", "Constant", model_options={"layers": [], "bias": True, "batch_norm": False},
        optimizer_options={"learning_rate": 0.05}, nbr_epochs=5,
    )
    flat = lambda result: np.array([value for row in metrics(result) for value in row], dtype=float)  # noqa: E731
    np.testing.assert_allclose(flat(n_layers), flat(one_layer), rtol=1e-9, atol=1e-12)
    assert one_layer.epochs[-1].training_cost < one_layer.epochs[0].training_cost


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    def weights(seed: int) -> np.ndarray:
        model = NLayers()
        model.build((4, 4), 3, seed)
        return model.parameters()[0].value

    np.testing.assert_array_equal(weights(5), weights(5))
    assert not np.allclose(weights(5), weights(6))


@pytest.mark.slow
def test_same_seeds_identical_metrics_and_other_model_seed_differs(train, metrics) -> None:
    options = {"model_options": {"dropout_rate": 0.2}, "nbr_epochs": 3}
    first, second = train(**options), train(**options)
    assert metrics(first) == metrics(second)
    assert metrics(train(model_seed=1, **options)) != metrics(first)


def test_inputs_of_any_shape_dtype_and_engine() -> None:
    torch = pytest.importorskip("torch")
    x, _ = samples()
    model = NLayers(layers=[5], dtype="float32")
    model.build(x.shape[1:], 4, seed=0)
    expected = model.forward(x.reshape(len(x), -1).astype(np.float32))
    from_images = model.forward(x)
    from_torch = model.forward(torch.from_numpy(x))
    assert expected.dtype == from_images.dtype == from_torch.dtype == np.float32
    np.testing.assert_array_equal(from_images, expected)
    np.testing.assert_array_equal(from_torch, expected)


def test_float32_starts_from_the_float64_values() -> None:
    double, single = NLayers(), NLayers(dtype="float32")
    double.build((6,), 3, seed=2)
    single.build((6,), 3, seed=2)
    for a, b in zip(double.parameters(), single.parameters()):
        assert b.value.dtype == np.float32
        np.testing.assert_array_equal(a.value.astype(np.float32), b.value)


def test_state_dict_round_trip_with_running_statistics() -> None:
    x, y = samples()
    model = NLayers(layers=[5])
    model.build(x.shape[1:], 4, seed=0)
    for _ in range(3):
        model.forward(x, training=True)
    state = model.state_dict()
    assert "L2_BatchNormalization_running_mean" in state and "L6_BatchNormalization_running_var" in state
    restored = NLayers(layers=[5])
    restored.build(x.shape[1:], 4, seed=9)
    restored.load_state_dict(state)
    np.testing.assert_array_equal(restored.forward(x), model.forward(x))
    with pytest.raises(NnplugError, match="lacks"):
        restored.load_state_dict({k: v for k, v in state.items() if "running_var" not in k})


def test_frozen_replays_dropout_and_keeps_statistics() -> None:
    x, y = samples()
    model = NLayers(layers=[8], dropout_rate=0.5)
    model.build(x.shape[1:], 4, seed=0)
    output = model.forward(x, training=True)
    state = model.state_dict()
    with model.frozen():
        np.testing.assert_array_equal(model.forward(x, training=True), output)
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in state.items())
    assert not np.array_equal(model.forward(x, training=True), output)


def test_forward_after_change_matches_a_full_forward() -> None:
    x, y = samples()
    model = NLayers(layers=[6], dropout_rate=0.3, bias=True)
    model.build(x.shape[1:], 4, seed=0)
    model.forward(x, training=True)
    with model.frozen():
        for param in model.parameters():
            index = (0,) * param.value.ndim
            original = float(param.value[index])
            param.value[index] = original + 0.01
            np.testing.assert_allclose(model.forward_after_change(param, index, original), model.forward(x, training=True), rtol=1e-12)
            param.value[index] = original


class Recorder:
    """A layer observer writing down every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def before_forward(self, layer: str) -> None:
        self.calls.append(("before_forward", layer))

    def after_forward(self, layer: str, output) -> None:
        self.calls.append(("after_forward", layer))

    def before_backward(self, layer: str) -> None:
        self.calls.append(("before_backward", layer))

    def after_backward(self, layer: str, gradient) -> None:
        self.calls.append(("after_backward", layer))


@pytest.mark.parametrize("model", [OneLayer(), NLayers(layers=[3])], ids=["OneLayer", "NLayers"])
def test_layer_observers_see_every_pass(model: NumpyModel) -> None:
    x, y = samples()
    model.build(x.shape[1:], 4, seed=0)
    recorder = Recorder()
    model.add_layer_observer(recorder)
    output = model.forward(x, training=True)
    model.backward(CrossEntropy(), output, y, 0.0)
    names = model.layer_names()
    expected = [(event, name) for name in names for event in ("before_forward", "after_forward")]
    expected += [(event, name) for name in reversed(names) for event in ("before_backward", "after_backward")]
    assert recorder.calls == expected


@pytest.mark.parametrize(
    "options, message",
    [
        ({"layers": [100, -5]}, "--layers"),
        ({"layers": [0]}, "--layers"),
        ({"dropout_rate": 1.0}, "--dropout-rate"),
        ({"dropout_rate": -0.1}, "--dropout-rate"),
        ({"batch_norm_momentum": 1.5}, "--batch-norm-momentum"),
        ({"leaky_relu_slope": -1.0}, "--leaky-relu-slope"),
        ({"dtype": "float16"}, "dtype"),
        ({"initializer": "Nope"}, "initializer"),
    ],
)
def test_bad_model_options(options: dict, message: str) -> None:
    with pytest.raises(NnplugError, match=message):
        NLayers(**options)
