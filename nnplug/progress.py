"""What training shows on the terminal while it runs."""
from __future__ import annotations

import sys

import click

from nnplug.results import EpochMetrics, ExperimentResult
from nnplug.trainer import RepeatContext, TrainingObserver


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


class EpochPrinter(TrainingObserver):
    """Prints one line per epoch per experiment: cost, training accuracy, dev accuracy."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    def repeat_started(self, context: RepeatContext) -> None:
        summary = context.data_loader.summary()
        if summary and context.repeat == 0:
            click.echo(summary.rstrip(), file=self.stream)

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        repeat = f" [Repeat {context.repeat + 1}]" if context.experiment.options.training_times > 1 else ""
        dev = f", dev cost {metrics.dev_cost:.6f}" if metrics.dev_cost is not None else ""
        click.echo(
            f"[Epoch {metrics.epoch}] [Exp {context.experiment.exp_id}]{repeat} "
            f"cost {metrics.training_cost:.6f}{dev}, training accuracy {_percent(metrics.training_accuracy)}, "
            f"dev accuracy {_percent(metrics.dev_accuracy)}",
            file=self.stream,
        )

    def experiment_finished(self, result: ExperimentResult) -> None:
        for repeat in result.repeats:
            click.echo(
                f"[Exp {result.exp_id}] repeat {repeat.repeat + 1} (model seed {repeat.model_seed}, dataset seed {repeat.dataset_seed}): "
                f"final dev accuracy {_percent(repeat.final_dev_accuracy)}, test accuracy {_percent(repeat.test_accuracy)}",
                file=self.stream,
            )
