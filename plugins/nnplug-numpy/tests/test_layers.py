"""Every layer's hand-written backward against finite differences (float64, 1e-6 relative)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from nnplug_numpy.layers import BatchNormalization, Dense, Dropout, Layer, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh

EPSILON = 1e-6
TOLERANCE = 1e-6


def relative(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖)."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def check_layer(layer: Layer, x: np.ndarray, after_build: Callable[[Layer], None] | None = None) -> None:
    """Compare dCost/dInput and dCost/dParameter with central differences of cost = Σ output·g."""
    rng = np.random.default_rng(1)
    layer.build("L0_" + type(layer).__name__, x.shape[1], np.dtype(np.float64), rng)
    if after_build is not None:
        after_build(layer)
    output = layer.forward(x, training=True)
    upstream = rng.normal(size=output.shape)
    input_gradient = layer.backward(upstream)
    analytic = {param.name: param.grad.copy() for param in layer.parameters}
    layer.frozen = True  # dropout replays its mask, batch norm keeps its running statistics

    def cost() -> float:
        return float(np.sum(layer.forward(x, training=True) * upstream))

    def numerical(array: np.ndarray) -> np.ndarray:
        result = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + EPSILON
            plus = cost()
            array[index] = original - EPSILON
            minus = cost()
            array[index] = original
            result[index] = (plus - minus) / (2 * EPSILON)
        return result

    assert relative(numerical(x), input_gradient) < TOLERANCE
    for param in layer.parameters:
        assert relative(numerical(param.value), analytic[param.name]) < TOLERANCE, param.name


@pytest.fixture
def x() -> np.ndarray:
    """Eight samples of five features, away from the kinks of (leaky) ReLU."""
    values = np.random.default_rng(0).normal(size=(8, 5))
    values[np.abs(values) < 0.05] += 0.2
    return values


@pytest.mark.parametrize("bias", [True, False])
def test_dense(x: np.ndarray, bias: bool) -> None:
    check_layer(Dense(4, bias=bias), x)


def test_dense_names_and_shapes(x: np.ndarray) -> None:
    layer = Dense(4)
    assert layer.build("L3_Dense", 5, np.dtype(np.float64), np.random.default_rng(0)) == 4
    assert [(p.name, p.value.shape, p.decay, p.layer) for p in layer.parameters] == [
        ("L3_Dense_W", (5, 4), True, "L3_Dense"),
        ("L3_Dense_b", (4,), False, "L3_Dense"),
    ]


def test_batch_normalization_training_mode(x: np.ndarray) -> None:
    def spread_gamma_and_beta(layer: BatchNormalization) -> None:
        layer.gamma.value[...] = np.linspace(0.5, 2.0, 5)
        layer.beta.value[...] = np.linspace(-1.0, 1.0, 5)

    check_layer(BatchNormalization(), x, spread_gamma_and_beta)


def test_batch_normalization_statistics(x: np.ndarray) -> None:
    layer = BatchNormalization(momentum=0.9)
    layer.build("L0_BatchNormalization", 5, np.dtype(np.float64), np.random.default_rng(0))
    training = layer.forward(x, training=True)
    np.testing.assert_allclose(training.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(training.std(axis=0), 1.0, rtol=1e-4)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))
    evaluation = layer.forward(x, training=False)
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + layer.epsilon)
    np.testing.assert_allclose(evaluation, expected)
    layer.frozen = True
    before = layer.running_mean.copy()
    layer.forward(x + 1.0, training=True)
    np.testing.assert_array_equal(layer.running_mean, before)


def test_dropout_with_a_fixed_mask(x: np.ndarray) -> None:
    check_layer(Dropout(0.4, np.random.default_rng(3)), x)


def test_dropout_is_inverted_and_only_in_training() -> None:
    layer = Dropout(0.25, np.random.default_rng(0))
    layer.build("L0_Dropout", 1000, np.dtype(np.float64), np.random.default_rng(0))
    ones = np.ones((50, 1000))
    dropped = layer.forward(ones, training=True)
    assert set(np.unique(dropped)) == {0.0, 1.0 / 0.75}
    assert abs((dropped == 0).mean() - 0.25) < 0.01
    np.testing.assert_array_equal(layer.forward(ones, training=False), ones)
    layer.frozen = True
    np.testing.assert_array_equal(layer.forward(ones, training=True), dropped)


@pytest.mark.parametrize("layer", [ReLU(), LeakyReLU(0.1), Sigmoid(), Tanh(), Softmax()], ids=lambda layer: type(layer).__name__)
def test_activations(x: np.ndarray, layer: Layer) -> None:
    check_layer(layer, x)


def test_softmax_with_large_logits(x: np.ndarray) -> None:
    check_layer(Softmax(), x + 1000.0)
    layer = Softmax()
    layer.build("L0_Softmax", 5, np.dtype(np.float64), np.random.default_rng(0))
    huge = layer.forward(np.array([[1e4, 0.0, -1e4], [800.0, 799.0, 0.0]]), training=True)
    assert np.isfinite(huge).all()
    np.testing.assert_allclose(huge.sum(axis=1), 1.0)
    assert np.isfinite(layer.backward(np.ones_like(huge))).all()


def test_sigmoid_does_not_overflow() -> None:
    layer = Sigmoid()
    with np.errstate(over="raise"):
        np.testing.assert_allclose(layer.forward(np.array([[-1000.0, 0.0, 1000.0]]), training=True), [[0.0, 0.5, 1.0]])


def test_float32_layers_stay_float32(x: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    values = x.astype(np.float32)
    size = 5
    for layer in [Dense(5, bias=True), Dropout(0.3, rng), BatchNormalization(), LeakyReLU(), ReLU(), Sigmoid(), Tanh(), Softmax()]:
        size = layer.build("L_" + type(layer).__name__, size, np.dtype(np.float32), rng)
        values = layer.forward(values, training=True)
        assert values.dtype == np.float32, type(layer).__name__
        assert layer.backward(np.ones_like(values)).dtype == np.float32, type(layer).__name__
        assert all(p.grad.dtype == np.float32 for p in layer.parameters)


@pytest.mark.parametrize("slope", [0.0, 0.01, 1.0, 2.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_is_exactly_x_or_slope_times_x(slope: float, dtype) -> None:
    layer = LeakyReLU(slope)
    layer.build("L0_LeakyReLU", 6, np.dtype(dtype), np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(7, 6)).astype(dtype)
    x[0, 0] = 0.0
    expected = np.where(x > 0, x, dtype(slope) * x)
    np.testing.assert_array_equal(layer.forward(x, training=True), expected)
    np.testing.assert_array_equal(layer.backward_input(np.ones_like(x)), np.where(x > 0, 1, dtype(slope)).astype(dtype))
