"""TanhMLP: the model contract in several shapes, and learning a tiny problem."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.testing import check_model
from nnplug_example.momentum import Momentum
from nnplug_example.one_hot_mse import OneHotMSE
from nnplug_example.tanh_mlp import TanhMLP


@pytest.mark.parametrize(
    "options",
    [{}, {"residual": False}, {"hidden_units": []}, {"hidden_units": [4, 7, 7]}],
    ids=["default", "plain", "no-hidden", "mixed-widths"],
)
def test_tanh_mlp_honours_the_model_contract(options: dict) -> None:
    check_model(TanhMLP, options)
    check_model(TanhMLP, options, sample_shape=(3, 2, 2), nbr_classes=2)


def test_residual_connections_change_the_function() -> None:
    plain, residual = TanhMLP([8, 8], residual=False), TanhMLP([8, 8], residual=True)
    x = np.random.default_rng(0).uniform(size=(4, 5))
    for model in (plain, residual):
        model.build((5,), 3, seed=1)
    assert not np.allclose(plain.forward(x), residual.forward(x))
    assert [p.name for p in residual.parameters()] == [f"L{i}_Dense_{k}" for i in range(3) for k in "Wb"]


def test_learns_a_separable_problem() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(60, 2))
    y = np.eye(2)[(x[:, 0] > x[:, 1]).astype(int)]
    model, loss, optimizer = TanhMLP([8]), OneHotMSE(), Momentum(learning_rate=0.1)
    model.build((2,), 2, seed=0)
    optimizer.build(model.parameters())
    for _ in range(300):
        output = model.forward(x, training=True)
        model.backward(loss, output, y, loss.cost(output, y))
        optimizer.step(1)
    assert np.mean(model.forward(x).argmax(axis=1) == y.argmax(axis=1)) > 0.9


def test_bad_widths_are_refused() -> None:
    with pytest.raises(NnplugError, match="--hidden-units"):
        TanhMLP([8, 0])
