"""Momentum: the optimizer contract, and what momentum adds to gradient descent."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError, Parameter
from nnplug.testing import check_optimizer
from nnplug_example.momentum import Momentum


def test_momentum_honours_the_optimizer_contract() -> None:
    check_optimizer(Momentum)
    check_optimizer(Momentum, {"momentum": 0.0}, learning_rate=0.2)


def test_velocity_accumulates_constant_gradients() -> None:
    param = Parameter("W", np.array([1.0]), np.array([1.0]))
    optimizer = Momentum(learning_rate=0.1, momentum=0.5)
    optimizer.build([param])
    optimizer.step(1)
    optimizer.step(1)
    # steps of 0.1 then 0.1 + 0.5 * 0.1
    assert param.value == pytest.approx([1.0 - 0.1 - 0.15])
    assert set(optimizer.state()) == {"velocity/W"}


@pytest.mark.parametrize("options", [{"momentum": 1.0}, {"momentum": -0.1}, {"learning_rate": 0.0}, {"weight_decay": -1.0}])
def test_bad_options_are_refused_with_one_line(options: dict) -> None:
    with pytest.raises(NnplugError) as raised:
        Momentum(**options)
    assert "\n" not in str(raised.value)
