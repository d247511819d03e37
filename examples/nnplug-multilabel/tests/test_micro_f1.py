"""MicroF1 counts over the whole partition: the same score in one minibatch or in several."""
from __future__ import annotations

import math

import numpy as np

from nnplug_multilabel.micro_f1 import MicroF1


def test_f1_of_known_counts() -> None:
    output = np.array([[0.9, 0.2], [0.7, 0.6], [0.1, 0.4]])
    target = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # TP 2, FP 1, FN 1
    assert MicroF1().measure(output, target) == 2 * 2 / (2 * 2 + 1 + 1)


def test_f1_of_a_partition_is_not_a_mean_of_minibatch_scores() -> None:
    output = np.array([[0.9, 0.9], [0.1, 0.1]])
    target = np.array([[1.0, 1.0], [1.0, 0.0]])
    metric = MicroF1()
    metric.reset()
    metric.update(output[:1], target[:1])
    metric.update(output[1:], target[1:])
    assert metric.compute() == 4 / 5 and math.isclose(np.mean([metric.measure(output[:1], target[:1]), 0.0]), 0.5)


def test_nothing_updated_is_not_a_number() -> None:
    metric = MicroF1()
    assert math.isnan(metric.compute())
