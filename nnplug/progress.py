"""What training shows on the terminal while it runs.

- :class:`EpochPrinter`: one line per epoch per experiment (always, also when output is a file);
- :class:`ProgressBars`: a tqdm bar over the minibatches of the epoch and one over all epochs of
  all experiments and repeats, with the running loss and metric (only on a terminal).

Metric values are named and formatted by the metric's scale (``training accuracy 97.00%``,
``training R² 0.5512``).
"""
from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm

from nnplug.data_loader import Minibatch
from nnplug.experiment import Experiment
from nnplug.metric import MetricScale
from nnplug.results import EpochMetrics, ExperimentResult
from nnplug.trainer import RepeatContext, TrainingObserver


def _scale(context: RepeatContext) -> MetricScale:
    return context.metric.scale()


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class EpochPrinter(TrainingObserver):
    """Prints one line per epoch per experiment: cost, training and dev metric (accuracy, R²...).

    Lines go through ``tqdm.write`` so that they appear above progress bars without breaking them.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def _print(self, text: str) -> None:
        tqdm.write(text, file=self.stream)
        self.stream.flush()

    def repeat_started(self, context: RepeatContext) -> None:
        summary = context.data_loader.summary()
        if summary and context.repeat == 0:
            self._print(summary.rstrip())

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        repeat = f" [Repeat {context.repeat + 1}]" if context.experiment.options.training_times > 1 else ""
        dev = f", dev cost {metrics.dev_cost:.6f}" if metrics.dev_cost is not None else ""
        scale = _scale(context)
        self._print(
            f"[Epoch {metrics.epoch}] [Exp {context.experiment.exp_id}]{repeat} "
            f"cost {metrics.training_cost:.6f}{dev}, training {scale.name} {scale.format(metrics.training_metric)}, "
            f"dev {scale.name} {scale.format(metrics.dev_metric)}"
        )

    def early_stopping(self, context: RepeatContext, epoch: int) -> None:
        result = context.result
        action = "stopping, restoring" if context.experiment.options.early_stopping_action == "stop" else "marked; best was"
        self._print(
            f"[Epoch {epoch}] [Exp {context.experiment.exp_id}] early stopping: dev cost has not improved for "
            f"{context.experiment.options.early_stopping_patience} epochs ({action} epoch {result.best_epoch})"
        )

    def experiment_finished(self, result: ExperimentResult) -> None:
        scale = result.scale
        for repeat in result.repeats:
            self._print(
                f"[Exp {result.exp_id}] repeat {repeat.repeat + 1} (model seed {repeat.model_seed}, dataset seed {repeat.dataset_seed}): "
                f"final dev {scale.name} {scale.format(repeat.final_dev_metric)}, test {scale.name} {scale.format(repeat.test_metric)}"
            )


class ProgressBars(TrainingObserver):
    """An overall bar (epochs × repeats × experiments) and a bar per epoch (minibatches).

    Both show the running training cost and metric; the overall bar also the last dev metric.

    Args:
        experiments: all experiments of the command (to size the overall bar).
        stream: where the bars are drawn (stderr by default).
    """

    def __init__(self, experiments: list[Experiment], stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        total = sum(e.options.nbr_epochs * e.options.training_times for e in experiments)
        self.overall = tqdm(total=total, desc="training", unit="epoch", file=self.stream, position=0, dynamic_ncols=True)
        self.epoch_bar: tqdm | None = None
        self.cost = 0.0
        self.count = 0

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        repeat = f" r{context.repeat + 1}" if context.experiment.options.training_times > 1 else ""
        self.overall.set_description(f"{context.experiment.exp_id}{repeat}")
        self.epoch_bar = tqdm(total=nbr_minibatches, desc=f"epoch {epoch}", unit="batch", leave=False,
                              file=self.stream, position=1, dynamic_ncols=True)
        self.cost = 0.0
        self.count = 0

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Minibatch, cost: float, accuracy: float) -> None:
        self.cost += cost * minibatch.size
        self.count += minibatch.size
        if self.epoch_bar is not None:
            scale = _scale(context)
            self.epoch_bar.set_postfix_str(f"loss {self.cost / self.count:.4g}, {scale.name} {scale.format(accuracy)}", refresh=False)
            self.epoch_bar.update(1)

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        self._close_epoch()
        scale = _scale(context)
        self.overall.set_postfix_str(
            f"loss {metrics.training_cost:.4g}, {scale.name} {scale.format(metrics.training_metric)}, dev {scale.format(metrics.dev_metric)}",
            refresh=False,
        )
        self.overall.update(1)

    def repeat_finished(self, context: RepeatContext) -> None:
        self._close_epoch()
        skipped = context.experiment.options.nbr_epochs - len(context.result.epochs)
        if skipped > 0 and not context.result.interrupted:
            self.overall.update(skipped)  # early stopping: those epochs will not run

    def _close_epoch(self) -> None:
        if self.epoch_bar is not None:
            self.epoch_bar.close()
            self.epoch_bar = None

    def close(self) -> None:
        """Remove the bars (end of the session)."""
        self._close_epoch()
        self.overall.close()
