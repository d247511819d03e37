"""CrossEntropy (cost, clipping, gradient) and MeanSquaredError."""
from __future__ import annotations

import numpy as np

from nnplug.testing import check_loss
from nnplug_numpy.losses import CrossEntropy, MeanSquaredError


def test_cross_entropy_cost_and_gradient() -> None:
    rng = np.random.default_rng(0)
    a = rng.dirichlet(np.ones(4), size=6)
    y = np.eye(4)[rng.integers(0, 4, 6)]
    loss = CrossEntropy()
    assert loss.cost(a, y) == np.mean(-np.log((a * y).sum(axis=1)))
    numerical = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        shifted = a.copy()
        shifted[index] += 1e-7
        plus = loss.cost(shifted, y)
        shifted[index] -= 2e-7
        numerical[index] = (plus - loss.cost(shifted, y)) / 2e-7
    np.testing.assert_allclose(loss.gradient(a, y), numerical, rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_clipped_against_log_zero() -> None:
    loss = CrossEntropy()
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    cost = loss.cost(a, y)
    assert np.isfinite(cost) and cost == -np.log(1e-12) / 2
    assert np.isfinite(loss.gradient(a, y)).all()


def test_mean_squared_error_is_the_mean_over_every_entry() -> None:
    output = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[1.0, 0.0], [0.0, 5.0]])
    loss = MeanSquaredError()
    assert loss.cost(output, target) == (0 + 4 + 9 + 0) / 4
    np.testing.assert_array_equal(loss.gradient(output, target), 2 * (output - target) / 4)


def test_mean_squared_error_honours_the_contract_for_regression_with_one_output() -> None:
    check_loss(MeanSquaredError, task="regression", nbr_classes=1)
