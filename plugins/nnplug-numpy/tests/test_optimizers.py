"""Constant, ExponentialDecay and Adam: updates, schedules, weight decay, bad options."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.errors import NnplugError
from nnplug.model import Parameter
from nnplug_numpy.optimizers.adam import Adam
from nnplug_numpy.optimizers.constant import Constant
from nnplug_numpy.optimizers.exponential_decay import ExponentialDecay


def parameters() -> list[Parameter]:
    """A decayed weight and a bias that is not decayed, with gradients."""
    return [
        Parameter("L0_Dense_W", np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[0.1, 0.2], [-0.3, 0.4]]), decay=True),
        Parameter("L0_Dense_b", np.array([1.0, 1.0]), np.array([0.5, -0.5]), decay=False),
    ]


def test_constant_with_weight_decay_keeps_grad_as_the_data_term() -> None:
    params = parameters()
    weight, bias = (p.value.copy() for p in params)
    grads = [p.grad.copy() for p in params]
    optimizer = Constant(learning_rate=0.1, weight_decay=0.01)
    optimizer.build(params)
    assert optimizer.penalty(params) == pytest.approx(0.005 * (1 + 4 + 0.25))
    optimizer.step(epoch=1)
    np.testing.assert_allclose(params[0].value, weight - 0.1 * (grads[0] + 0.01 * weight))
    np.testing.assert_allclose(params[1].value, bias - 0.1 * grads[1])
    np.testing.assert_array_equal(params[0].grad, grads[0])


def test_exponential_decay_schedule() -> None:
    optimizer = ExponentialDecay(learning_rate=0.1, decay=0.5)
    assert [optimizer.current_learning_rate(epoch) for epoch in (1, 2, 3)] == [0.1, 0.05, 0.025]
    params = parameters()
    weight = params[0].value.copy()
    optimizer.build(params)
    optimizer.step(epoch=3)
    np.testing.assert_allclose(params[0].value, weight - 0.025 * params[0].grad)


def test_adam_matches_the_textbook_formula() -> None:
    params = parameters()
    value, grad = params[0].value.copy(), params[0].grad
    optimizer = Adam(learning_rate=0.01, beta1=0.8, beta2=0.9, epsilon=1e-6)
    optimizer.build(params)
    m = np.zeros_like(value)
    v = np.zeros_like(value)
    for t in (1, 2, 3):
        optimizer.step(epoch=1)
        m = 0.8 * m + 0.2 * grad
        v = 0.9 * v + 0.1 * grad**2
        value = value - 0.01 / (1 - 0.8**t) * m / (np.sqrt(v / (1 - 0.9**t)) + 1e-6)
        np.testing.assert_allclose(params[0].value, value, rtol=1e-12)
    assert optimizer.state()["steps"] == 3


def test_adam_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    params = parameters()
    tensors = [torch.nn.Parameter(torch.tensor(p.value)) for p in params]
    reference = torch.optim.Adam(tensors, lr=0.01, weight_decay=0.1)
    optimizer = Adam(learning_rate=0.01, weight_decay=0.1)
    optimizer.build(params)
    for step in range(4):
        grads = [np.sin(p.value * (step + 1)) for p in params]
        for param, tensor, grad in zip(params, tensors, grads):
            param.grad[...] = grad
            tensor.grad = torch.tensor(grad)
        optimizer.step(epoch=1)
        reference.step()
    # torch applies weight decay to every tensor: compare the decayed weight only
    np.testing.assert_allclose(params[0].value, tensors[0].detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: Constant(learning_rate=0.0), "--learning-rate"),
        (lambda: ExponentialDecay(learning_rate=-1.0), "--learning-rate"),
        (lambda: Adam(learning_rate=-0.001), "--learning-rate"),
        (lambda: Constant(weight_decay=-0.1), "--weight-decay"),
        (lambda: ExponentialDecay(decay=0.0), "--decay"),
        (lambda: ExponentialDecay(decay=1.5), "--decay"),
        (lambda: Adam(beta1=1.0), "--beta1"),
        (lambda: Adam(beta2=-0.5), "--beta2"),
        (lambda: Adam(epsilon=0.0), "--epsilon"),
    ],
)
def test_bad_optimizer_options(factory, message: str) -> None:
    with pytest.raises(NnplugError, match=message):
        factory()


@pytest.mark.parametrize("factory", [lambda: Adam(learning_rate=0.01, weight_decay=0.1), lambda: Constant(learning_rate=0.1, weight_decay=0.1)])
def test_one_update_over_the_model_buffers_equals_one_update_per_tensor(factory) -> None:
    """Numpy models keep values and gradients in one buffer each: a step is then one update, bit-identical."""
    from nnplug_numpy.models.n_layers import NLayers

    results = []
    for per_tensor in (False, True):
        model = NLayers(layers=[5], bias=True)
        model.build((4,), 3, seed=0)
        optimizer = factory()
        optimizer.build(model.parameters())
        assert optimizer.values is not None and optimizer.gradients is not None
        if per_tensor:
            optimizer.add_update_observer(lambda param, seconds: None)  # profiling: one update per tensor
        rng = np.random.default_rng(1)
        for _ in range(3):
            for param in model.parameters():
                param.grad[...] = rng.normal(size=param.grad.shape)
            optimizer.step(epoch=1)
        results.append([param.value.copy() for param in model.parameters()])
    for flat, tensor in zip(*results):
        np.testing.assert_array_equal(flat, tensor)


def test_a_gradient_rebound_instead_of_written_is_still_followed() -> None:
    """Code that replaces ``param.grad`` (rather than writing into the model's buffer) gets per-tensor updates."""
    from nnplug_numpy.models.n_layers import NLayers

    model = NLayers(layers=[5])
    model.build((4,), 3, seed=0)
    optimizer = Constant(learning_rate=0.1)
    optimizer.build(model.parameters())
    before = [param.value.copy() for param in model.parameters()]
    for param in model.parameters():
        param.grad = np.ones_like(param.value)
    optimizer.step(epoch=1)
    for param, value in zip(model.parameters(), before):
        np.testing.assert_allclose(param.value, value - 0.1)
