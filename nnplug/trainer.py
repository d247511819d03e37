"""The training loop: experiments → repeats → epochs → minibatches.

The trainer knows plugins only through their kinds' base classes. What happens around training
(printing, progress bars, saved runs, plots, profiling) is done by :class:`TrainingObserver`
objects that receive the results as data.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import psutil

from nnplug.accuracy import Accuracy
from nnplug.checks import GradientChecker
from nnplug.instability import InstabilityChecker
from nnplug.compatibility import resolve
from nnplug.data_loader import DataLoader, Minibatch
from nnplug.engine import Engine
from nnplug.experiment import PLUGIN_SLOTS, Experiment
from nnplug.logs import LAYERS_LOG, LayerDebugLogger, Summary
from nnplug.loss import Loss
from nnplug.metric import Metric
from nnplug.model import Model
from nnplug.optimizer import Optimizer
from nnplug.registry import Registry
from nnplug.results import EpochMetrics, ExperimentResult, RepeatResult
from nnplug.seeds import repeat_seeds
from nnplug.task import Task, check_pairing, task_of
from nnplug.threads import math_threads
from nnplug.timing import DATA, EPOCH, EVALUATION, GRADIENT_CHECKS, INSTABILITY_CHECKS, MINIBATCH, NO_CLOCK, OPTIMIZER_STEP, PhaseClock

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
    metric: Metric
    result: RepeatResult
    extras: dict[str, Any] = field(default_factory=dict)
    #: times the training phases (a real :class:`~nnplug.timing.PhaseClock` only with ``--profiling``).
    clock: Any = NO_CLOCK
    #: the task of the run (the data loader's): what targets are, whether a confusion matrix applies.
    task: Task | None = None
    #: the run's engine (the model's): converts minibatches and outputs, reads costs.
    engine: Engine | None = None

    @property
    def accuracy(self) -> Metric:
        """Older name of :attr:`metric`."""
        return self.metric


class TrainingObserver:
    """Receives training events; every method does nothing unless overridden."""

    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """An experiment begins (its plugins are chosen, nothing is built yet)."""

    def repeat_started(self, context: RepeatContext) -> None:
        """A repeat begins: data loaded, model built, optimizer attached."""

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        """An epoch begins (after the dev evaluation)."""

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Minibatch, cost: float, accuracy: float) -> None:
        """A training minibatch was used for one update.

        ``cost`` is the minibatch's (it includes the weight-decay penalty); ``accuracy`` is the
        metric over the epoch's minibatches so far (this one included), not this minibatch's alone.
        """

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        """An epoch ended; ``metrics`` is already appended to ``context.result.epochs``."""

    def early_stopping(self, context: RepeatContext, epoch: int) -> None:
        """Dev cost has not improved for the patience: ``context.result.early_stopping_epoch`` is set.

        With ``--early-stopping-action=stop`` training stops after this epoch and the best-on-dev
        parameters are restored before the final evaluation.
        """

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
                "options": {k: _recorded(v) for k, v in options.items()},
            }
        return {"exp_id": experiment.exp_id, "options": experiment.options.as_dict(), "plugins": plugins}

    def run_experiment(self, experiment: Experiment) -> ExperimentResult:
        """Train all repeats of one experiment (the data loader is shared by its repeats)."""
        resolve(experiment.options, self.registry, PLUGIN_SLOTS)  # engine defaults and agreement, for experiments built in code
        loader = self.registry.create("data_loader", experiment.plugin_name("data_loader"), experiment.plugin_options["data_loader"])
        result, task = self.experiment_result(experiment, loader)
        self._notify("experiment_started", experiment, result)
        clock = PhaseClock() if experiment.options.profiling else NO_CLOCK
        for repeat in range(experiment.options.training_times):
            repeat_result = self.run_repeat(experiment, loader, repeat, clock, task)
            result.repeats.append(repeat_result)
            if repeat_result.interrupted:
                break
        self._notify("experiment_finished", result)
        return result

    def experiment_result(self, experiment: Experiment, loader: DataLoader) -> tuple[ExperimentResult, Task]:
        """The still empty result of ``experiment`` about to train on ``loader``, and its task.

        The task comes from the data loader; the model and loss are checked against it (one line
        naming both plugins when they do not pair). Executors running trials elsewhere call it too.
        """
        task = self.registry.create("task", task_of(loader), {})
        check_pairing(task, loader, self._create(experiment, "model"), self._create(experiment, "loss"))
        scale = self._create(experiment, "metric").scale()
        return ExperimentResult(experiment.exp_id, self.configuration(experiment), metric=scale.to_dict(), task=task.plugin_name), task

    def _create(self, experiment: Experiment, kind: str) -> Any:
        return self.registry.create(kind, experiment.plugin_name(kind), experiment.plugin_options.get(kind, {}))

    def run_repeat(self, experiment: Experiment, loader: DataLoader, repeat: int, clock: Any = NO_CLOCK, task: Task | None = None) -> RepeatResult:
        """Train one repeat with the experiment's math threads (see :mod:`nnplug.threads`; 0: this process's setting); a Ctrl-C ends it cleanly (``interrupted`` set) and is re-raised after."""
        with math_threads(experiment.options.threads_per_trial):
            return self._repeat(experiment, loader, repeat, clock, task)

    def _repeat(self, experiment: Experiment, loader: DataLoader, repeat: int, clock: Any, task: Task | None) -> RepeatResult:
        options = experiment.options
        model_seed, dataset_seed = repeat_seeds(options.model_seed, options.dataset_seed, repeat, options.repeat_seeds)
        start = time.perf_counter()
        LOG.debug("[Exp %s] repeat %d: model seed %d, dataset seed %d", experiment.exp_id, repeat + 1, model_seed, dataset_seed)
        with clock.phase(DATA):
            loader.load(dataset_seed)
        model: Model = self._create(experiment, "model")
        model.build(tuple(loader.sample_shape), len(loader.labels), model_seed)
        if options.load_model is not None:
            from nnplug.checkpoints import load_checkpoint

            load_checkpoint(options.load_model, model, labels=list(loader.labels))
        optimizer: Optimizer = self._create(experiment, "optimizer")
        optimizer.build(model.parameters())
        if options.load_model is not None:
            from nnplug.checkpoints import load_optimizer_state

            load_optimizer_state(options.load_model, optimizer)
        loss: Loss = self._create(experiment, "loss")
        metric: Metric = self._create(experiment, "metric")
        task = task or self.registry.create("task", task_of(loader), {})
        engine = self.registry.create_engine(self.registry.info("model", experiment.plugin_name("model")).engine or "")
        result = RepeatResult(repeat, model_seed, dataset_seed, labels=list(loader.labels))
        context = RepeatContext(experiment, repeat, model_seed, dataset_seed, loader, model, optimizer, loss, metric, result, clock=clock, task=task, engine=engine)
        stopper = EarlyStopping(options.early_stopping_patience, keep_best=options.early_stopping_action == "stop")
        checker = GradientChecker(options.gradient_checks, options.gradient_checks_interval, options.gradient_checks_samples, seed=model_seed, engine=engine)
        instability = InstabilityChecker(options.instability_checks, engine)
        layer_logger = LayerDebugLogger(engine) if LAYERS_LOG.isEnabledFor(logging.DEBUG) else None
        if layer_logger is not None:
            model.add_layer_observer(layer_logger)
        context.extras["gradient_checker"] = checker
        self._notify("repeat_started", context)
        try:
            for epoch in range(1, options.nbr_epochs + 1):
                with clock.phase(EPOCH):
                    metrics = self._epoch(context, epoch, checker, instability, stopper)
                result.epochs.append(metrics)
                result.best_epoch = stopper.best_epoch
                if stopper.triggered_at == epoch:
                    result.early_stopping_epoch = epoch
                self._notify("epoch_finished", context, metrics)
                if stopper.triggered_at == epoch:
                    self._notify("early_stopping", context, epoch)
                    if options.early_stopping_action == "stop":
                        context.extras["stop"] = True
                if context.extras.get("stop"):
                    result.stopped_early = True
                    if stopper.best_state is not None:
                        LOG.info("[Exp %s] early stopping at epoch %d: parameters of epoch %d restored", experiment.exp_id, epoch, stopper.best_epoch)
                        model.load_state_dict(stopper.best_state)
                        if stopper.best_optimizer_state is not None:
                            optimizer.load_state(stopper.best_optimizer_state)
                    break
            with clock.phase(EVALUATION):
                self._final_evaluation(context)
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            if layer_logger is not None:
                model.remove_layer_observer(layer_logger)
            result.gradient_check_seconds = checker.seconds
            result.duration = time.perf_counter() - start
            self._notify("repeat_finished", context)
        if result.interrupted:
            raise KeyboardInterrupt
        return result

    def evaluate(self, context: RepeatContext, partition: str) -> tuple[float, float, np.ndarray | None]:
        """Cost, metric and confusion matrix on a whole partition, in evaluation mode.

        The metric is accumulated over the whole partition (update per minibatch, compute once);
        the confusion matrix is None unless the task has one and the metric predicts classes.
        """
        total_cost = 0.0
        count = 0
        metric = context.metric
        metric.reset()
        nbr_classes = len(context.data_loader.labels)
        with_confusion = context.task is not None and context.task.confusion_matrix and isinstance(metric, Accuracy)
        confusion = np.zeros((nbr_classes, nbr_classes), dtype=np.int64) if with_confusion else None
        for minibatch in engine_minibatches(context.engine, context.data_loader.minibatches(partition, 0)):
            output = context.model.forward(minibatch.x, training=False)
            size = minibatch.size
            total_cost += context.engine.scalar(context.loss.cost(output, minibatch.y)) * size
            output_array, target_array = as_numpy(context, output), as_numpy(context, minibatch.y)
            metric.update(output_array, target_array)
            if confusion is not None:
                confusion += metric.confusion_matrix(output_array, target_array, nbr_classes)
            count += size
        if count == 0:
            return float("nan"), float("nan"), None
        penalty = context.optimizer.penalty(context.model.parameters())
        return total_cost / count + penalty, metric.compute(), confusion

    def _epoch(
        self, context: RepeatContext, epoch: int, checker: GradientChecker, instability: InstabilityChecker, stopper: "EarlyStopping"
    ) -> EpochMetrics:
        options = context.experiment.options
        clock = context.clock
        start = time.perf_counter()
        dev_cost = dev_metric = None
        if options.eval_dev and context.data_loader.size("dev"):
            with clock.phase(EVALUATION):
                dev_cost, dev_metric, _ = self.evaluate(context, "dev")
            stopper.observe(epoch, dev_cost, context.model, context.optimizer)
        minibatches = clock.iterate(DATA, engine_minibatches(context.engine, context.data_loader.minibatches("training", epoch)))
        nbr_minibatches = -(-context.data_loader.size("training") // max(1, _minibatch_size(context.data_loader)))
        self._notify("epoch_started", context, epoch, nbr_minibatches)
        total_cost = 0.0
        count = 0
        model, loss, metric = context.model, context.loss, context.metric
        metric.reset()
        debug = LOG.isEnabledFor(logging.DEBUG)
        for minibatch in minibatches:
            with clock.phase(MINIBATCH):
                output = model.forward(minibatch.x, training=True)
                cost = loss.cost(output, minibatch.y)
                model.backward(loss, output, minibatch.y, cost)
                if checker.due(epoch, minibatch.index):
                    with clock.phase(GRADIENT_CHECKS):
                        checker.check(model, loss, minibatch, epoch)
                cost_value = context.engine.scalar(cost) + context.optimizer.penalty(model.parameters())
                if instability.active:  # cost and gradients tested; the step replayed only when not finite
                    with clock.phase(INSTABILITY_CHECKS):
                        instability.check_step(model, loss, minibatch.x, minibatch.y, cost_value)
                with clock.phase(OPTIMIZER_STEP):
                    context.optimizer.step(epoch)
                metric.update(as_numpy(context, output), as_numpy(context, minibatch.y))
                running_metric = metric.compute()
            if debug:
                _log_minibatch(context, epoch, minibatch, output, cost_value, running_metric)
            size = minibatch.size
            total_cost += cost_value * size
            count += size
            self._notify("minibatch_finished", context, epoch, minibatch, cost_value, running_metric)
        if instability.active:
            with clock.phase(INSTABILITY_CHECKS):
                instability.check_parameters(model)
        if debug:
            for param in model.parameters():
                LOG.debug("[Exp %s] epoch %d parameter %s: value %s, gradient %s", context.experiment.exp_id, epoch, param.name, Summary(param.value, context.engine), Summary(param.grad, context.engine))
        return EpochMetrics(
            epoch=epoch,
            training_cost=total_cost / count if count else float("nan"),
            training_metric=metric.compute() if count else float("nan"),
            dev_cost=dev_cost,
            dev_metric=dev_metric,
            duration=time.perf_counter() - start,
            rss_mb=self.process.memory_info().rss / 2**20,
            learning_rate=context.optimizer.current_learning_rate(epoch),
        )

    def _final_evaluation(self, context: RepeatContext) -> None:
        result = context.result
        if context.data_loader.size("dev"):
            result.final_dev_cost, result.final_dev_metric, confusion = self.evaluate(context, "dev")
            if confusion is not None:
                result.confusion_matrix = confusion.tolist()
        if context.data_loader.size("test"):
            _, result.test_metric, _ = self.evaluate(context, "test")


class EarlyStopping:
    """Watches the dev cost measured at the start of every epoch.

    It triggers once, at the first epoch whose dev cost has not improved on the best one for
    ``patience`` epochs. With ``keep_best`` it keeps a copy of the parameters of the best epoch
    (the dev cost of epoch e is measured on the parameters trained until the end of epoch e - 1),
    and of the optimizer's state of that moment, so a model saved after restoring them continues
    training from there.

    Args:
        patience: epochs without improvement before triggering (0: never).
        keep_best: keep the best-on-dev parameters (``state_dict``) to restore them.
    """

    def __init__(self, patience: int, keep_best: bool = False) -> None:
        self.patience = patience
        self.keep_best = keep_best
        self.best_cost = float("inf")
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.best_optimizer_state: dict[str, np.ndarray] | None = None
        self.triggered_at: int | None = None

    def observe(self, epoch: int, dev_cost: float, model: Model, optimizer: Optimizer | None = None) -> None:
        """Take the dev cost of ``epoch`` (measured before that epoch's training)."""
        if dev_cost < self.best_cost:
            self.best_cost, self.best_epoch = dev_cost, epoch
            if self.keep_best and self.patience:
                self.best_state = model.state_dict()
                self.best_optimizer_state = optimizer.state() if optimizer is not None else None
        elif self.patience and self.triggered_at is None and self.best_epoch is not None and epoch - self.best_epoch >= self.patience:
            self.triggered_at = epoch


def _log_minibatch(context: RepeatContext, epoch: int, minibatch: Minibatch, output: Any, cost: float, metric: float) -> None:
    exp_id = context.experiment.exp_id
    name = context.metric.scale().name
    LOG.debug("[Exp %s] epoch %d minibatch %d: inputs %s", exp_id, epoch, minibatch.index, Summary(minibatch.x, context.engine))
    LOG.debug("[Exp %s] epoch %d minibatch %d: outputs %s, cost %.6g, %s so far %.4f", exp_id, epoch, minibatch.index, Summary(output, context.engine), cost, name, metric)


def as_numpy(context: RepeatContext, value: Any) -> np.ndarray:
    """An output or target as a numpy array, converted by the run's engine (metrics read numpy)."""
    engine = getattr(context, "engine", None)
    return engine.to_numpy(value) if engine is not None else np.asarray(value)


def _recorded(value: Any) -> Any:
    """An option's value as run.json records it: JSON types as they are, tuples as lists, the rest as text."""
    if isinstance(value, tuple):
        return [_recorded(v) for v in value]
    return value if isinstance(value, (int, float, bool, str, list, dict, type(None))) else str(value)


def _minibatch_size(loader: DataLoader) -> int:
    return int(getattr(loader, "max_minibatch_size", 0) or loader.size("training") or 1)


def engine_minibatches(engine: Engine, minibatches: Iterator[Minibatch]) -> Iterator[Minibatch]:
    """The data loader's numpy minibatches with ``x`` and ``y`` converted by ``engine`` (which picks the dtype)."""
    for minibatch in minibatches:
        yield dataclasses.replace(minibatch, x=engine.from_numpy(minibatch.x), y=engine.from_numpy(minibatch.y))
