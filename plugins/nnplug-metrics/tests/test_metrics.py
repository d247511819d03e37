"""Classes and R2: figures of a whole partition, whatever the minibatches; R2 agrees with scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.testing import check_metric
from nnplug_metrics.classes import Classes
from nnplug_metrics.r2 import R2


def test_classes_accuracy_and_confusion_matrix() -> None:
    output = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    target = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    accuracy = Classes()
    assert accuracy.measure(output, target) == 1 / 3
    assert accuracy.confusion_matrix(output, target, 2).tolist() == [[0, 1], [1, 1]]


@pytest.mark.parametrize("columns", [1, 3])
def test_r2_over_minibatches_is_scikit_learns_r2_of_the_whole_partition(columns: int) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    target = rng.normal(1000.0, 3.0, size=(50, columns))  # a large offset: no cancellation in the merge
    output = target + rng.normal(0.0, 2.0, size=target.shape)
    r2 = R2()
    r2.reset()
    for start in range(0, 50, 7):
        r2.update(output[start : start + 7], target[start : start + 7])
    assert r2.compute() == pytest.approx(metrics.r2_score(target, output), rel=1e-9)


def test_r2_of_a_mean_of_minibatch_values_would_differ() -> None:
    target = np.array([[0.0], [1.0], [10.0], [11.0]])
    output = np.array([[0.5], [0.5], [10.5], [10.5]])
    r2 = R2()
    per_batch = np.mean([r2.measure(output[:2], target[:2]), r2.measure(output[2:], target[2:])])
    assert r2.measure(output, target) == pytest.approx(1 - 1 / 101) and per_batch == pytest.approx(0.0)


def test_r2_of_constant_targets_and_of_nothing() -> None:
    r2 = R2()
    assert r2.measure(np.ones((3, 1)), np.ones((3, 1))) == 1.0 and r2.measure(np.zeros((3, 1)), np.ones((3, 1))) == 0.0
    r2.reset()
    assert np.isnan(r2.compute())


@pytest.mark.parametrize("metric", [Classes, R2])
def test_metrics_honour_the_metric_contract(metric: type) -> None:
    check_metric(metric)
    if metric is R2:
        check_metric(metric, nbr_classes=1)  # one regression target
