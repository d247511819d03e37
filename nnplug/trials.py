"""Trials: one repeat of one experiment, as plain data any executor can run.

A :class:`Trial` holds what ``run.json`` records for a repeat: the experiment (plugin names and
options) and the repeat's seeds. :func:`run_trial` runs it wherever it lands (the driver, a local
worker process, a Ray worker) with a data loader whose dataset was decoded once in the driver,
and streams the repeat's events back through a ``send`` callable: the driver
(:class:`nnplug.study.Study`) replays them to its observers, so the run directory is written in
one place whatever the executor.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nnplug.data_loader import DataLoader
from nnplug.experiment import Experiment
from nnplug.registry import Registry
from nnplug.results import EpochMetrics, RepeatResult
from nnplug.seeds import repeat_seeds
from nnplug.trainer import RepeatContext, Trainer, TrainingObserver

LOG = logging.getLogger("nnplug.trials")

#: ``send(event, data)``: how a running trial reports to the driver (see :class:`EventForwarder`).
Send = Callable[[str, Any], None]


@dataclass(frozen=True)
class Trial:
    """One (experiment, repeat): plain data, picklable, the same whatever runs it.

    Attributes:
        experiment: the experiment (its options and every plugin's options).
        repeat: the repeat number (0-based).
        model_seed: seed of parameter initialization and dropout of this repeat.
        dataset_seed: seed of partitioning, shuffling and augmentation of this repeat.
        dataset: index of the decoded dataset this trial trains on (see :meth:`nnplug.study.Study.datasets`).
    """

    experiment: Experiment
    repeat: int
    model_seed: int
    dataset_seed: int
    dataset: int = 0

    @property
    def key(self) -> tuple[int, int]:
        """(experiment index, repeat): unique within a command."""
        return (self.experiment.index, self.repeat)

    @property
    def name(self) -> str:
        """``exp1 repeat 2``: how messages name the trial."""
        return f"{self.experiment.exp_id} repeat {self.repeat + 1}"


def plan_trials(experiments: list[Experiment], dataset_of: Callable[[Experiment], int] | None = None) -> list[Trial]:
    """Every trial of ``experiments``, in the order the sequential loop runs them."""
    trials = []
    for experiment in experiments:
        options = experiment.options
        for repeat in range(options.training_times):
            model_seed, dataset_seed = repeat_seeds(options.model_seed, options.dataset_seed, repeat, options.repeat_seeds)
            trials.append(Trial(experiment, repeat, model_seed, dataset_seed, dataset_of(experiment) if dataset_of else 0))
    return trials


class EventForwarder(TrainingObserver):
    """Sends a trial's events to the driver as plain data (no live model or loader crosses).

    Events: ``repeat_started`` (labels), ``epoch_started`` ((epoch, minibatches)),
    ``epoch_finished`` ((metrics, best epoch, early-stopping epoch)), ``early_stopping`` (epoch),
    ``repeat_finished`` (the whole :class:`~nnplug.results.RepeatResult`).
    """

    def __init__(self, send: Send) -> None:
        self.send = send

    def repeat_started(self, context: RepeatContext) -> None:
        self.send("repeat_started", list(context.result.labels))

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        self.send("epoch_started", (epoch, nbr_minibatches))

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        self.send("epoch_finished", (metrics, context.result.best_epoch, context.result.early_stopping_epoch))

    def early_stopping(self, context: RepeatContext, epoch: int) -> None:
        self.send("early_stopping", epoch)

    def repeat_finished(self, context: RepeatContext) -> None:
        self.send("repeat_finished", context.result)


def trial_observers(run_dir: Path | None, experiment: Experiment) -> list[TrainingObserver]:
    """The observers that need the trial's live objects and so run next to it: checkpoints, minibatch dumps."""
    if run_dir is None:
        return []
    from nnplug.session import _optional_observers

    return _optional_observers(Path(run_dir), [experiment])


def run_trial(trial: Trial, registry: Registry, loader: DataLoader, send: Send, run_dir: Path | None = None) -> RepeatResult:
    """Train ``trial`` on ``loader`` (already decoded: ``load`` only partitions it) and report through ``send``.

    The metrics are those of the sequential loop: the same plugins, options, seeds and code path
    (:meth:`nnplug.trainer.Trainer.run_repeat`).

    Raises:
        KeyboardInterrupt: the trial was cancelled (after ``repeat_finished`` was sent, marked interrupted).
    """
    observers: list[TrainingObserver] = [EventForwarder(send), *trial_observers(run_dir, trial.experiment)]
    trainer = Trainer(registry, observers)
    LOG.debug("trial %s: model seed %d, dataset seed %d", trial.name, trial.model_seed, trial.dataset_seed)
    return trainer.run_repeat(trial.experiment, loader, trial.repeat)


def one_line(err: BaseException) -> str:
    """``Type: message`` on one line (what a failed trial records)."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
