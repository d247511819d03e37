"""Contract checks of accuracies (classification metrics predicting a class): known cases every accuracy agrees on.

Accuracies are metrics: :func:`nnplug.testing.check_metric` runs these checks after the metric
checks; :func:`check_accuracy` runs both.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.accuracy import Accuracy
from nnplug.testing.instances import display_name, plugin_factory


class AccuracyContract:
    """Runs the accuracy checks on one accuracy instance.

    The known cases hold for top-1 and top-k accuracies alike: each sample's target class gets
    either the highest score or the lowest of ten.

    Args:
        accuracy: the accuracy to check (it receives numpy arrays, as from the trainer).
    """

    nbr_classes = 10

    def __init__(self, accuracy: Accuracy) -> None:
        self.accuracy = accuracy
        self.name = display_name(accuracy)
        rng = np.random.default_rng(0)
        self.labels = rng.permutation(np.arange(8) % self.nbr_classes)
        self.target = np.eye(self.nbr_classes)[self.labels]

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the accuracy."""
        raise AssertionError(f"accuracy {self.name}: {message}")

    def tensor(self, array: np.ndarray) -> np.ndarray:
        """A float32 numpy array, as the trainer hands metrics (whatever the model's engine)."""
        return np.array(array, dtype=np.float32)

    def scores(self, right: np.ndarray) -> np.ndarray:
        """Probabilities where samples in ``right`` rank their target first, the others last."""
        rng = np.random.default_rng(1)
        scores = rng.uniform(0.2, 0.8, size=self.target.shape)
        rows = np.arange(len(self.labels))
        scores[rows, self.labels] = np.where(right, 1.0, 0.0)
        return scores / scores.sum(axis=1, keepdims=True)

    def measure(self, right: np.ndarray) -> float:
        """The plugin's accuracy when exactly the samples in ``right`` are right."""
        try:
            value = self.accuracy.measure(self.tensor(self.scores(right)), self.tensor(self.target))
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
            self.fail(f"measuring raised {type(err).__name__}: {err}")
        if not isinstance(value, float):
            self.fail(f"measure() must return a Python float, got {type(value).__name__}")
        return value

    def check_known_cases(self) -> None:
        """All right → 1.0, all wrong → 0.0, 6 of 8 right → 0.75."""
        count = len(self.labels)
        cases = {
            "every target ranked first": (np.ones(count, dtype=bool), 1.0),
            "every target ranked last": (np.zeros(count, dtype=bool), 0.0),
            "6 of 8 targets ranked first, 2 last": (np.arange(count) % 4 != 0, 0.75),
        }
        for description, (right, expected) in cases.items():
            got = self.measure(right)
            if not np.isclose(got, expected):
                self.fail(f"{description}: measure() gave {got}, expected {expected}")

    def check_predictions(self) -> None:
        """``predictions`` gives the top class of every sample as numpy ints; the confusion matrix adds up."""
        right = np.arange(len(self.labels)) % 4 != 0
        output = self.tensor(self.scores(right))
        try:
            predictions = self.accuracy.predictions(output)
            confusion = self.accuracy.confusion_matrix(output, self.tensor(self.target), self.nbr_classes)
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
            self.fail(f"predictions() or confusion_matrix() raised {type(err).__name__}: {err}")
        if not isinstance(predictions, np.ndarray) or not np.issubdtype(predictions.dtype, np.integer):
            self.fail(f"predictions() must return a numpy integer array, got {type(predictions).__name__}")
        if predictions.shape != self.labels.shape:
            self.fail(f"predictions() has shape {predictions.shape}, expected {self.labels.shape}")
        if not np.array_equal(predictions[right], self.labels[right]):
            self.fail("predictions() must be the class with the highest score")
        if confusion.sum() != len(self.labels) or np.trace(confusion) != int(right.sum()):
            self.fail(f"confusion_matrix() counts {confusion.sum()} samples with {np.trace(confusion)} right, expected {len(self.labels)} and {int(right.sum())}")

    def run(self) -> None:
        """Every accuracy check, in order."""
        self.check_known_cases()
        self.check_predictions()


def check_accuracy(accuracy: type[Accuracy] | Accuracy, options: dict[str, Any] | None = None, *, engine: str | None = None) -> None:
    """Check that an accuracy plugin honours the metric and accuracy contracts; raise AssertionError if not.

    Checks every metric check (:func:`nnplug.testing.check_metric`), then known cases (all right,
    all wrong, 6 of 8 right) on ten classes, ``predictions`` (top class, numpy ints) and the
    confusion matrix.

    Args:
        accuracy: the accuracy class, or an instance.
        options: constructor options when ``accuracy`` is a class.
        engine: ignored: accuracies read numpy arrays whatever the model's engine (kept for older callers).
    """
    from nnplug.testing.metric_contract import check_metric

    plugin_factory(accuracy, options, Accuracy)  # refuse what is not an accuracy
    check_metric(accuracy, options)
