"""OneHotMSE: the loss contract and known values."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.testing import check_loss
from nnplug_example.one_hot_mse import OneHotMSE


def test_one_hot_mse_honours_the_loss_contract() -> None:
    check_loss(OneHotMSE)


def test_known_values() -> None:
    target = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert OneHotMSE().cost(target, target) == 0.0
    assert OneHotMSE().cost(np.array([[0.5, 0.5], [0.5, 0.5]]), target) == pytest.approx(0.5)
