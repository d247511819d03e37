"""The driver's side of a run: trials go out to an executor, their events come back here.

A :class:`Study` decodes every dataset once (trials share it: forked workers inherit it, Ray
puts it in its object store), plans the trials, and turns the events the trials send back into
the observers' usual calls, so the session's observers (terminal lines, ``run.json``,
``metrics.csv``, plots) write one run directory whatever the executor. A trial that fails is
recorded with its one-line reason; the others go on.
"""
from __future__ import annotations

import json
import logging
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from nnplug.data_loader import DataLoader
from nnplug.errors import NnplugError
from nnplug.experiment import Experiment
from nnplug.metric import MetricScale
from nnplug.registry import Registry
from nnplug.results import EpochMetrics, ExperimentResult, RepeatResult
from nnplug.trainer import RepeatContext, Trainer, TrainingObserver
from nnplug.timing import NO_CLOCK, PhaseClock
from nnplug.trials import Trial, one_line, plan_trials

LOG = logging.getLogger("nnplug.study")

#: Experiment options whose observers need the live model in the driver: sequential only.
IN_PROCESS_ONLY = {"profiling": "--profiling", "track_layer": "--track-layer", "display_samples": "--display-samples"}


def check_parallel(experiments: list[Experiment], display_graphs: bool, executor: str) -> None:
    """Refuse options that only the in-process loop can honour, with one line.

    Raises:
        NnplugError: an experiment asks for profiling, tracked layers or samples, or live graphs are asked.
    """
    asked = [flag for e in experiments for name, flag in IN_PROCESS_ONLY.items() if getattr(e.options, name, None)]
    if display_graphs:
        asked.append("--display-graphs")
    if asked:
        flags = sorted(set(asked))
        raise NnplugError(f"{', '.join(flags)} {'needs' if len(flags) == 1 else 'need'} the model in this process: use --executor=sequential (not {executor})")


def _dataset_key(experiment: Experiment) -> str:
    options = experiment.plugin_options.get("data_loader", {})
    return experiment.plugin_name("data_loader") + json.dumps(options, sort_keys=True, default=str)


class Study:
    """Trials of a command, their shared datasets and their results as they come.

    Args:
        registry: the installed plugins.
        experiments: the command's experiments.
        observers: the session's observers (notified from the driver only).
        run_dir: the run directory (trials write their checkpoints there).
    """

    def __init__(self, registry: Registry, experiments: list[Experiment], observers: list[TrainingObserver], run_dir: Path | None = None) -> None:
        self.registry = registry
        self.experiments = experiments
        self.observers = observers
        self.run_dir = run_dir
        keys: dict[str, int] = {}
        for experiment in experiments:
            keys.setdefault(_dataset_key(experiment), len(keys))
        self.trials: list[Trial] = plan_trials(experiments, lambda e: keys[_dataset_key(e)])
        self.loaders: list[DataLoader] = []
        self.failures: dict[tuple[int, int], str] = {}
        self._results: dict[int, ExperimentResult] = {}
        self._in_process: list[ExperimentResult] | None = None
        self._contexts: dict[tuple[int, int], RepeatContext] = {}
        self._final: dict[tuple[int, int], RepeatResult] = {}
        self._ended: set[tuple[int, int]] = set()
        self._trainer = Trainer(registry)
        self._plugins: dict[int, tuple[Any, Any]] = {}

    # the in-process loop --------------------------------------------------------------------
    def run_in_process(self) -> None:
        """Train every trial here, one after the other, with every observer (the sequential loop).

        A trial that raises is recorded failed (its one-line reason in its result) and the next one
        goes on, as with other executors; bad input found before any epoch was trained (a
        plugin refusing its options) and disk errors still stop the command.
        """
        current = _CurrentRepeat()
        trainer = Trainer(self.registry, [current, *self.observers])
        self._in_process = []
        for experiment in self.experiments:
            loader = self.registry.create("data_loader", experiment.plugin_name("data_loader"), experiment.plugin_options["data_loader"])
            result, task = trainer.experiment_result(experiment, loader)
            self._in_process.append(result)
            self._notify("experiment_started", experiment, result)
            clock = PhaseClock() if experiment.options.profiling else NO_CLOCK
            for trial in (t for t in self.trials if t.experiment is experiment):
                current.result = None
                try:
                    repeat = trainer.run_repeat(experiment, loader, trial.repeat, clock, task)
                except (KeyboardInterrupt, OSError):
                    raise
                except Exception as err:
                    if isinstance(err, NnplugError) and not any(r.epochs for e in self._in_process for r in e.repeats) and not (current.result and current.result.epochs):
                        raise  # bad input before anything was trained: one line, no run kept
                    repeat = current.result or RepeatResult(trial.repeat, trial.model_seed, trial.dataset_seed)
                    repeat.error = one_line(err)
                    self.failures[trial.key] = repeat.error
                    LOG.warning("trial %s failed: %s", trial.name, repeat.error)
                result.repeats.append(repeat)
            self._notify("experiment_finished", result)

    # the driver of remote trials ------------------------------------------------------------
    def datasets(self) -> list[DataLoader]:
        """The data loaders, one per distinct data loader configuration, decoded once here.

        Each is loaded with the seed of its first trial (trials load it again with theirs: that
        only partitions, the decoded samples are kept).
        """
        if not self.loaders:
            for trial in self.trials:
                if trial.dataset == len(self.loaders):
                    experiment = trial.experiment
                    loader = self.registry.create("data_loader", experiment.plugin_name("data_loader"), experiment.plugin_options["data_loader"])
                    loader.load(trial.dataset_seed)
                    self.loaders.append(loader)
        return self.loaders

    def start(self) -> None:
        """Decode the datasets and announce every experiment to the observers."""
        loaders = self.datasets()
        dataset = {t.experiment.index: t.dataset for t in self.trials}
        for experiment in self.experiments:
            result, task = self._trainer.experiment_result(experiment, loaders[dataset[experiment.index]])
            # the driver's stand-ins of a trial's plugins: what observers read (metric scale, task)
            metric = self.registry.create("metric", experiment.plugin_name("metric"), experiment.plugin_options.get("metric", {}))
            self._plugins[experiment.index] = (metric, task)
            self._results[experiment.index] = result
            self._notify("experiment_started", experiment, result)

    def receive(self, trial: Trial, event: str, data: Any) -> None:
        """Apply one event a trial sent (see :class:`nnplug.trials.EventForwarder`)."""
        if event == "repeat_started":
            self._context(trial, labels=data)
        elif event == "epoch_started":
            self._notify("epoch_started", self._context(trial), *data)
        elif event == "epoch_finished":
            metrics, best_epoch, early_epoch = data
            context = self._context(trial)
            context.result.epochs.append(metrics)
            context.result.best_epoch, context.result.early_stopping_epoch = best_epoch, early_epoch
            self._notify("epoch_finished", context, metrics)
        elif event == "early_stopping":
            self._notify("early_stopping", self._context(trial), data)
        elif event == "repeat_finished":
            self._final[trial.key] = data
        else:
            raise ValueError(f"unknown trial event {event!r}")

    def trial_ended(self, trial: Trial, error: str | None = None, interrupted: bool = False) -> None:
        """A trial's worker is done: it finished, failed with ``error``, or was interrupted."""
        if trial.key in self._ended:
            return
        self._ended.add(trial.key)
        context = self._context(trial)
        result = context.result
        final = self._final.get(trial.key)
        if final is not None:
            epochs = result.epochs
            for item in fields(RepeatResult):
                if item.name != "epochs":
                    setattr(result, item.name, getattr(final, item.name))
            if len(final.epochs) > len(epochs):
                epochs[:] = final.epochs
        if interrupted:
            result.interrupted = True
        if error is not None:
            self.failures[trial.key] = error
            result.error = error
            LOG.warning("trial %s failed: %s", trial.name, error)
        self._notify("repeat_finished", context)
        experiment = trial.experiment
        if all((experiment.index, r) in self._ended for r in range(experiment.options.training_times)):
            self._notify("experiment_finished", self._results[experiment.index])

    def tick(self) -> None:
        """Let observers do postponed work that is due (a run.json rewrite); executors call it while they wait."""
        for observer in self.observers:
            tick = getattr(observer, "tick", None)
            if tick is not None:
                tick()

    def interrupt(self, trials: list[Trial]) -> None:
        """Mark ``trials`` (still running when the run was stopped) interrupted, keeping their finished epochs."""
        for trial in trials:
            try:
                self.trial_ended(trial, interrupted=True)
            except BaseException as err:  # stopping already: the other trials must still be marked
                LOG.debug("trial %s: not marked interrupted: %r", trial.name, err)

    def results(self) -> list[ExperimentResult]:
        """Every experiment's results, in the command's order."""
        if self._in_process is not None:
            return self._in_process
        return [self._results[e.index] for e in self.experiments if e.index in self._results]

    def failure_line(self) -> str:
        """``trials failed: exp1 repeat 2 (ValueError: ...), ...`` (empty when none failed)."""
        if not self.failures:
            return ""
        names = {t.key: t.name for t in self.trials}
        return "trials failed: " + "; ".join(f"{names[key]} ({reason})" for key, reason in sorted(self.failures.items()))

    # helpers --------------------------------------------------------------------------------
    def _context(self, trial: Trial, labels: list[str] | None = None) -> RepeatContext:
        context = self._contexts.get(trial.key)
        if context is not None:
            return context
        loader = self.loaders[trial.dataset] if trial.dataset < len(self.loaders) else None
        if labels is None:
            labels = list(loader.labels) if loader is not None else []
        result = RepeatResult(trial.repeat, trial.model_seed, trial.dataset_seed, labels=list(labels))
        repeats = self._results[trial.experiment.index].repeats
        repeats.append(result)
        repeats.sort(key=lambda r: r.repeat)
        metric, task = self._plugins[trial.experiment.index]
        context = RepeatContext(  # no live model in the driver: observers here read results only
            trial.experiment, trial.repeat, trial.model_seed, trial.dataset_seed, loader, None, None, None, metric, result, task=task,  # type: ignore[arg-type]
        )
        self._contexts[trial.key] = context
        self._notify("repeat_started", context)
        return context

    def _notify(self, event: str, *args: Any) -> None:
        for observer in self.observers:
            getattr(observer, event)(*args)


class _CurrentRepeat(TrainingObserver):
    """Keeps the running repeat's result, for a trial that raises in this process."""

    result: RepeatResult | None = None

    def repeat_started(self, context: RepeatContext) -> None:
        self.result = context.result


class TrialProgress(TrainingObserver):
    """A bar over the trials of a study: done, running, failed, and the best dev metric so far (by the metric's direction).

    Args:
        total: number of trials.
        stream: where the bar is drawn (stderr by default).
    """

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.bar = tqdm(total=total, desc="trials", unit="trial", file=stream or sys.stderr, dynamic_ncols=True)
        self.running = self.failed = 0
        self.best: tuple[float, str] | None = None
        self.scale = MetricScale()

    def repeat_started(self, context: RepeatContext) -> None:
        self.running += 1
        self._show()

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        self.scale = context.metric.scale()
        value = metrics.dev_metric
        if value is not None and (self.best is None or (value > self.best[0] if self.scale.higher_is_better else value < self.best[0])):
            self.best = (value, f"{context.experiment.exp_id} r{context.repeat + 1}")
        self._show()

    def repeat_finished(self, context: RepeatContext) -> None:
        self.running = max(0, self.running - 1)
        self.failed += bool(getattr(context.result, "error", None))
        self.bar.update(1)
        self._show()

    def _show(self) -> None:
        best = f", best dev {self.scale.name} {self.scale.format(self.best[0])} ({self.best[1]})" if self.best else ""
        self.bar.set_postfix_str(f"running {self.running}, failed {self.failed}{best}", refresh=True)

    def close(self) -> None:
        """Remove the bar (end of the session)."""
        self.bar.close()
