"""The training loop: experiments → repeats → epochs → minibatches.

The trainer knows plugins only through their kinds' base classes. What happens around training
(printing, progress bars, saved runs, plots, profiling) is done by :class:`TrainingObserver`
objects that receive the results as data.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psutil

from nnplug.accuracy import Accuracy
from nnplug.checks import GradientChecker, InstabilityChecker
from nnplug.data_loader import DataLoader, Minibatch
from nnplug.experiment import PLUGIN_SLOTS, Experiment
from nnplug.loss import Loss
from nnplug.model import Model
from nnplug.optimizer import Optimizer
from nnplug.registry import Registry
from nnplug.results import EpochMetrics, ExperimentResult, RepeatResult
from nnplug.seeds import repeat_seeds

LOG = logging.getLogger("nnplug.trainer")


@dataclass
class RepeatContext:
    """The live objects of one repeat, for observers that need more than metrics (plots, dumps)."""

    experiment: Experiment
    repeat: int
    model_seed: int
    dataset_seed: int
    data_loader: DataLoader
    model: Model
    optimizer: Optimizer
    loss: Loss
    accuracy: Accuracy
    result: RepeatResult
    extras: dict[str, Any] = field(default_factory=dict)


class TrainingObserver:
    """Receives training events; every method does nothing unless overridden."""

    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """An experiment begins (its plugins are chosen, nothing is built yet)."""

    def repeat_started(self, context: RepeatContext) -> None:
        """A repeat begins: data loaded, model built, optimizer attached."""

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        """An epoch begins (after the dev evaluation)."""

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Minibatch, cost: float, accuracy: float) -> None:
        """A training minibatch was used for one update (``cost`` includes the weight-decay penalty)."""

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        """An epoch ended; ``metrics`` is already appended to ``context.result.epochs``."""

    def repeat_finished(self, context: RepeatContext) -> None:
        """A repeat ended (normally, early or interrupted: see ``context.result``)."""

    def experiment_finished(self, result: ExperimentResult) -> None:
        """All repeats of an experiment ended."""


class Trainer:
    """Runs experiments with the plugins they select.

    Args:
        registry: where plugins are found.
        observers: notified of every event, in order.
    """

    def __init__(self, registry: Registry, observers: list[TrainingObserver] | None = None) -> None:
        self.registry = registry
        self.observers = list(observers or [])
        self.process = psutil.Process()

    def _notify(self, event: str, *args: Any) -> None:
        for observer in self.observers:
            getattr(observer, event)(*args)

    def run(self, experiments: list[Experiment]) -> list[ExperimentResult]:
        """Train every experiment, every repeat; return their results."""
        return [self.run_experiment(experiment) for experiment in experiments]

    def configuration(self, experiment: Experiment) -> dict[str, Any]:
        """The resolved configuration of an experiment: its options and every plugin with its options."""
        plugins = {}
        for kind in PLUGIN_SLOTS:
            info = self.registry.info(kind, experiment.plugin_name(kind))
            given = experiment.plugin_options.get(kind, {})
            options = {spec.name: given.get(spec.name, spec.default) for spec in info.options}
            plugins[kind] = {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "options": {k: (str(v) if not isinstance(v, (int, float, bool, str, list, dict, type(None))) else v) for k, v in options.items()},
            }
        return {"exp_id": experiment.exp_id, "options": experiment.options.as_dict(), "plugins": plugins}

    def run_experiment(self, experiment: Experiment) -> ExperimentResult:
        """Train all repeats of one experiment (the data loader is shared by its repeats)."""
        result = ExperimentResult(experiment.exp_id, self.configuration(experiment))
        self._notify("experiment_started", experiment, result)
        loader = self.registry.create("data_loader", experiment.plugin_name("data_loader"), experiment.plugin_options["data_loader"])
        for repeat in range(experiment.options.training_times):
            repeat_result = self.run_repeat(experiment, loader, repeat)
            result.repeats.append(repeat_result)
            if repeat_result.interrupted:
                break
        self._notify("experiment_finished", result)
        return result

    def _create(self, experiment: Experiment, kind: str) -> Any:
        return self.registry.create(kind, experiment.plugin_name(kind), experiment.plugin_options.get(kind, {}))

    def run_repeat(self, experiment: Experiment, loader: DataLoader, repeat: int) -> RepeatResult:
        """Train one repeat; a Ctrl-C ends it cleanly (``interrupted`` set) and is re-raised after."""
        options = experiment.options
        model_seed, dataset_seed = repeat_seeds(options.model_seed, options.dataset_seed, repeat, options.repeat_seeds)
        start = time.perf_counter()
        loader.load(dataset_seed)
        model: Model = self._create(experiment, "model")
        model.build(tuple(loader.sample_shape), len(loader.labels), model_seed)
        if options.load_model is not None:
            from nnplug.checkpoints import load_checkpoint

            load_checkpoint(options.load_model, model)
        optimizer: Optimizer = self._create(experiment, "optimizer")
        optimizer.build(model.parameters())
        loss: Loss = self._create(experiment, "loss")
        accuracy: Accuracy = self._create(experiment, "accuracy")
        result = RepeatResult(repeat, model_seed, dataset_seed, labels=list(loader.labels))
        context = RepeatContext(experiment, repeat, model_seed, dataset_seed, loader, model, optimizer, loss, accuracy, result)
        checker = GradientChecker(options.gradient_checks, options.gradient_checks_interval, options.gradient_checks_samples, seed=model_seed)
        instability = InstabilityChecker(options.instability_checks)
        if options.instability_checks != "off":
            model.add_layer_observer(instability)
        context.extras["gradient_checker"] = checker
        self._notify("repeat_started", context)
        try:
            for epoch in range(1, options.nbr_epochs + 1):
                metrics = self._epoch(context, epoch, checker, instability)
                result.epochs.append(metrics)
                self._notify("epoch_finished", context, metrics)
                if context.extras.get("stop"):
                    result.stopped_early = True
                    break
            self._final_evaluation(context)
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            if options.instability_checks != "off":
                model.remove_layer_observer(instability)
            result.gradient_check_seconds = checker.seconds
            result.duration = time.perf_counter() - start
            self._notify("repeat_finished", context)
        if result.interrupted:
            raise KeyboardInterrupt
        return result

    def evaluate(self, context: RepeatContext, partition: str) -> tuple[float, float, np.ndarray | None]:
        """Cost, accuracy and confusion matrix on a whole partition, in evaluation mode."""
        total_cost = total_correct = 0.0
        count = 0
        nbr_classes = len(context.data_loader.labels)
        confusion = np.zeros((nbr_classes, nbr_classes), dtype=np.int64)
        for minibatch in context.data_loader.minibatches(partition, 0):
            output = context.model.forward(minibatch.x, training=False)
            size = minibatch.size
            total_cost += float(context.loss.cost(output, minibatch.y)) * size
            total_correct += context.accuracy.measure(output, minibatch.y) * size
            confusion += context.accuracy.confusion_matrix(output, minibatch.y, nbr_classes)
            count += size
        if count == 0:
            return float("nan"), float("nan"), None
        penalty = context.optimizer.penalty(context.model.parameters())
        return total_cost / count + penalty, total_correct / count, confusion

    def _epoch(self, context: RepeatContext, epoch: int, checker: GradientChecker, instability: InstabilityChecker) -> EpochMetrics:
        options = context.experiment.options
        start = time.perf_counter()
        dev_cost = dev_accuracy = None
        if options.eval_dev and context.data_loader.size("dev"):
            dev_cost, dev_accuracy, _ = self.evaluate(context, "dev")
        minibatches = context.data_loader.minibatches("training", epoch)
        nbr_minibatches = -(-context.data_loader.size("training") // max(1, _minibatch_size(context.data_loader)))
        self._notify("epoch_started", context, epoch, nbr_minibatches)
        total_cost = total_correct = 0.0
        count = 0
        model, loss = context.model, context.loss
        for minibatch in minibatches:
            output = model.forward(minibatch.x, training=True)
            cost = loss.cost(output, minibatch.y)
            model.backward(loss, output, minibatch.y, cost)
            if checker.due(epoch, minibatch.index):
                checker.check(model, loss, minibatch, epoch)
            cost_value = float(cost) + context.optimizer.penalty(model.parameters())
            if options.instability_checks != "off":
                instability.check_cost(cost_value)
            context.optimizer.step(epoch)
            batch_accuracy = context.accuracy.measure(output, minibatch.y)
            size = minibatch.size
            total_cost += cost_value * size
            total_correct += batch_accuracy * size
            count += size
            self._notify("minibatch_finished", context, epoch, minibatch, cost_value, batch_accuracy)
        return EpochMetrics(
            epoch=epoch,
            training_cost=total_cost / count if count else float("nan"),
            training_accuracy=total_correct / count if count else float("nan"),
            dev_cost=dev_cost,
            dev_accuracy=dev_accuracy,
            duration=time.perf_counter() - start,
            rss_mb=self.process.memory_info().rss / 2**20,
            learning_rate=context.optimizer.current_learning_rate(epoch),
        )

    def _final_evaluation(self, context: RepeatContext) -> None:
        result = context.result
        if context.data_loader.size("dev"):
            result.final_dev_cost, result.final_dev_accuracy, confusion = self.evaluate(context, "dev")
            if confusion is not None:
                result.confusion_matrix = confusion.tolist()
        if context.data_loader.size("test"):
            _, result.test_accuracy, _ = self.evaluate(context, "test")


def _minibatch_size(loader: DataLoader) -> int:
    return int(getattr(loader, "max_minibatch_size", 0) or loader.size("training") or 1)
