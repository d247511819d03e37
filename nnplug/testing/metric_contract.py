"""Contract checks of metric plugins: a declared scale, exact accumulation over a partition, direction.

Metrics receive numpy arrays (the trainer converts outputs with the model's engine), so these
checks are the same for every engine. The test data follow each task the metric declares
(:meth:`nnplug.Task.example`); accuracies (:class:`nnplug.Accuracy`) also pass the accuracy
checks (:mod:`nnplug.testing.accuracy_contract`).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from nnplug.accuracy import Accuracy
from nnplug.metric import Metric
from nnplug.task import Task
from nnplug.testing.accuracy_contract import AccuracyContract
from nnplug.testing.instances import display_name, plugin_factory
from nnplug.testing.tasks import declared_tasks, task_named


class MetricContract:
    """Runs the metric checks on one metric instance for one task.

    Args:
        metric: the metric to check.
        task: the task whose outputs and targets the metric scores.
        nbr_classes: columns of outputs and targets (classes, or target columns).
        batch_size: samples in the test partition (updated in three uneven minibatches).
        seed: seed of the test data.
    """

    def __init__(self, metric: Metric, task: Task, nbr_classes: int = 10, batch_size: int = 24, seed: int = 0) -> None:
        self.metric = metric
        self.task = task
        self.task_name = task.plugin_name or type(task).__name__.lower()
        self.name = display_name(metric)
        self.nbr_classes = nbr_classes
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.output: np.ndarray | None = None
        self.target: np.ndarray | None = None

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the metric and the task."""
        raise AssertionError(f"metric {self.name} ({self.task_name}): {message}")

    def call(self, what: str, function: Callable[[], Any]) -> Any:
        """Run the plugin's ``function``; anything it raises is a failure naming the metric."""
        try:
            return function()
        except AssertionError:
            raise
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
            self.fail(f"{what} raised {type(err).__name__}: {err}")

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Test outputs and targets of the task (made once)."""
        if self.output is None or self.target is None:
            if self.task.confusion_matrix and self.nbr_classes < 2:
                self.fail(f"{self.task_name} needs at least 2 classes to check anything, nbr_classes={self.nbr_classes} was given")
            try:
                self.output, self.target = self.task.example(self.rng, self.batch_size, self.nbr_classes)
            except NotImplementedError:
                self.fail(f"task {self.task_name} gives no example data (Task.example): its metrics cannot be checked")
        return self.output, self.target

    def score(self, chunks: list[tuple[np.ndarray, np.ndarray]]) -> float:
        """reset, update with every chunk, compute: the metric's value, checked to be a float in range."""
        self.call("reset()", self.metric.reset)
        for output, target in chunks:
            self.call("update()", lambda: self.metric.update(output, target))
        value = self.call("compute()", self.metric.compute)
        if not isinstance(value, float):
            self.fail(f"compute() must return a Python float, got {type(value).__name__}")
        scale = self.metric.scale()
        if math.isfinite(value) and ((scale.low is not None and value < scale.low - 1e-9) or (scale.high is not None and value > scale.high + 1e-9)):
            self.fail(f"compute() gave {value}, outside the declared range [{scale.low}, {scale.high}]")
        return value

    def check_declaration(self) -> None:
        """The metric names itself, its range and direction; it scores the task."""
        scale = self.call("scale()", self.metric.scale)
        if not scale.name:
            self.fail("it has no display name (class attribute display_name)")
        if scale.low is not None and scale.high is not None and not scale.low < scale.high:
            self.fail(f"its range [{scale.low}, {scale.high}] is empty (class attributes low, high)")
        if not declared_tasks(self.metric):
            self.fail("it declares no tasks (class attribute tasks)")

    def check_accumulation(self) -> None:
        """A partition in three uneven minibatches scores exactly as in one: accumulated, not averaged."""
        output, target = self.data()
        whole = self.score([(output, target)])
        cuts = [0, 1, self.batch_size // 3 + 1, self.batch_size]
        chunks = [(output[a:b], target[a:b]) for a, b in zip(cuts, cuts[1:])]
        pieces = self.score(chunks)
        if not math.isclose(whole, pieces, rel_tol=1e-9, abs_tol=1e-12):
            self.fail(f"updated with one minibatch it gives {whole:.6g}, with the same samples in three minibatches {pieces:.6g}: "
                      "accumulate sufficient statistics in update() and compute once in compute()")

    def check_reset(self) -> None:
        """``reset`` forgets earlier updates."""
        output, target = self.data()
        half = self.batch_size // 2
        fresh = self.score([(output[half:], target[half:])])
        self.call("update()", lambda: self.metric.update(output[:half], target[:half]))
        after_reset = self.score([(output[half:], target[half:])])
        if not math.isclose(fresh, after_reset, rel_tol=1e-9, abs_tol=1e-12):
            self.fail(f"after reset() it gives {after_reset:.6g}, a fresh metric {fresh:.6g}: reset() must forget earlier updates")

    def check_direction(self) -> None:
        """Outputs close to the targets score better than outputs far from them (per ``higher_is_better``)."""
        _, target = self.data()
        near, far = self.task.near_and_far(target)
        good, bad = self.score([(near, target)]), self.score([(far, target)])
        better = good > bad if self.metric.scale().higher_is_better else good < bad
        if not better:
            direction = "higher" if self.metric.scale().higher_is_better else "lower"
            self.fail(f"outputs close to the targets score {good:.6g}, far ones {bad:.6g}: {direction} must be better (higher_is_better)")

    def run(self) -> None:
        """Every metric check, in order."""
        self.check_declaration()
        self.check_accumulation()
        self.check_reset()
        self.check_direction()


def metric_contracts(
    metric: type[Metric] | Metric,
    options: dict[str, Any] | None = None,
    *,
    task: str | None = None,
    nbr_classes: int = 10,
    seed: int = 0,
    registry: Any = None,
) -> list[Any]:
    """The contracts a metric must pass: one :class:`MetricContract` per task, and the accuracy checks for accuracies."""
    instance = plugin_factory(metric, options, Metric)()
    names = [task] if task else list(declared_tasks(instance)) or ["classification"]
    contracts: list[Any] = [MetricContract(instance, task_named(name, registry), nbr_classes, seed=seed) for name in names]
    if isinstance(instance, Accuracy):
        contracts.append(AccuracyContract(instance))
    return contracts


def check_metric(
    metric: type[Metric] | Metric,
    options: dict[str, Any] | None = None,
    *,
    task: str | None = None,
    nbr_classes: int = 10,
    seed: int = 0,
    engine: str | None = None,
) -> None:
    """Check that a metric plugin honours the metric contract; raise AssertionError if not.

    Checks, for every task the metric declares (or ``task``): a display name, a non-empty range
    and declared tasks; ``compute`` returns a float in the declared range; a partition updated
    in three uneven minibatches scores exactly as in one (accumulation over the whole
    partition); ``reset`` forgets earlier updates; outputs close to the targets score better
    than far ones. Accuracies also pass :func:`check_accuracy`'s known cases. Anything the metric
    raises is a failure naming it.

    Args:
        metric: the metric class, or an instance.
        options: constructor options when ``metric`` is a class.
        task: check this task only.
        nbr_classes: number of classes (10, as the accuracy checks: top-k accuracies need more classes than k), or of target columns for regression (1 is fine there).
        seed: seed of the test data.
        engine: ignored: metrics read numpy arrays whatever the model's engine (kept for older callers).
    """
    for contract in metric_contracts(metric, options, task=task, nbr_classes=nbr_classes, seed=seed):
        contract.run()
