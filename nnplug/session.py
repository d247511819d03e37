"""One ``bin/train`` invocation: the trainer plus everything that watches it.

The session creates the run directory, wires the observers (terminal output, saved run, plots,
tracked parameters, samples, profiling, checkpoints, minibatch dumps, live window) and makes sure
that however training ends (normally, Ctrl-C, error) the run directory is complete up to the last
finished epoch.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import click

from nnplug.cli.arguments import ParsedCommand
from nnplug.errors import NnplugError
from nnplug.progress import EpochPrinter, ProgressBars, is_terminal
from nnplug.registry import Registry
from nnplug.results import ExperimentResult
from nnplug.runs import RunWriter, create_run_directory
from nnplug.executor import Executor
from nnplug.study import Study, TrialProgress, check_parallel
from nnplug.trainer import TrainingObserver


class TrainingSession:
    """Trains the experiments of a parsed command with the standard observers.

    Args:
        registry: the installed plugins.
        command: global options and experiments.
        argv: the command line as typed (recorded in the run).
        show_progress: draw progress bars (default: when stdout and stderr are terminals).
        draw_plots: draw the curves, memory and confusion plots (tests that do not look at them skip it).
    """

    def __init__(
        self, registry: Registry, command: ParsedCommand, argv: list[str] | None = None,
        show_progress: bool | None = None, draw_plots: bool = True,
    ) -> None:
        self.registry = registry
        self.command = command
        self.argv = list(sys.argv[1:] if argv is None else argv)
        self.show_progress = is_terminal(sys.stdout) and is_terminal(sys.stderr) if show_progress is None else show_progress
        self.draw_plots = draw_plots
        self.results: list[ExperimentResult] = []
        self.run_dir: Path | None = None
        self.writer: RunWriter | None = None
        self._observers: list[TrainingObserver] = []
        self._executor: Executor | None = None

    def observers(self) -> list[TrainingObserver]:
        """The observers of this session, in the order they are notified (the run directory is created here)."""
        experiments = self.command.experiments
        options = self.command.global_options
        self.run_dir = create_run_directory(options.runs_dir, [e.exp_id for e in experiments])
        self.writer = RunWriter(self.run_dir, self.argv)
        title = f"Run {self.run_dir.name}"
        from nnplug.plots import RunPlotter

        in_process = self._executor is None or self._executor.in_process
        observers: list[TrainingObserver] = [EpochPrinter()]
        if self.show_progress:
            # trials running elsewhere report epochs, not minibatches: one bar over the trials
            observers.append(ProgressBars(experiments) if in_process else TrialProgress(sum(e.options.training_times for e in experiments)))
        observers.append(self.writer)
        if self.draw_plots:
            observers.append(RunPlotter(self.run_dir, self.writer.results, title))
        if any(e.options.track_layer for e in experiments) or any(e.options.display_samples for e in experiments):
            from nnplug.tracking import ParameterTracker, SampleCollector

            observers += [ParameterTracker(self.run_dir), SampleCollector(self.run_dir)]
        if any(e.options.profiling for e in experiments):
            from nnplug.profiling import Profiler

            observers.append(Profiler(self.run_dir, echo=click.echo))
        if in_process:  # otherwise every trial saves its own checkpoints and dumps (nnplug.trials)
            observers += _optional_observers(self.run_dir, experiments)
        if options.display_graphs:
            from nnplug.live import LiveGraphs

            observers.append(LiveGraphs(self.writer.results, title))
        return observers

    def run(self) -> int:
        """Train every experiment; return the exit status.

        Raises:
            KeyboardInterrupt: on Ctrl-C, after saving; its message says where the run is.
        """
        self._executor = self._prepare_executor()  # bad executor options or cluster: nothing written yet
        try:
            return self._run(self._executor)
        finally:
            self._executor.close()

    def _prepare_executor(self) -> Executor:
        """The selected executor, prepared (options checked, cluster reached)."""
        name = self.command.global_options.executor
        executor: Executor = self.registry.create("executor", name, self.command.executor_options)
        if not executor.in_process:
            check_parallel(self.command.experiments, self.command.global_options.display_graphs, name)
        executor.prepare(self.command.experiments)
        return executor

    def _run(self, executor: Executor) -> int:
        self._observers = self.observers()
        study = Study(self.registry, self.command.experiments, self._observers, self.run_dir)
        try:
            executor.run(study)
            self.results = study.results()
        except KeyboardInterrupt:
            self._close("interrupted")
            raise KeyboardInterrupt(f"run saved in {self.run_dir} (up to {self.writer.last_epoch()})") from None
        except NnplugError:
            if not self._trained_any_epoch():
                # bad input found before training (missing dataset, bad --resize...): no run to keep
                shutil.rmtree(self.run_dir, ignore_errors=True)
                raise
            self._close("failed", f"{sys.exc_info()[1]}")
            raise
        except BaseException as err:
            self._close("failed", f"{type(err).__name__}: {err}")
            raise
        failures = study.failure_line()
        if failures:  # the other trials went on; the command says which failed
            self._close("failed", failures)
            click.echo(f"train: error: {failures} (run saved in {self.run_dir})", err=True)
            return 1
        self._close("finished")
        click.echo(f"Run saved in {self.run_dir}")
        return 0

    def _trained_any_epoch(self) -> bool:
        assert self.writer is not None
        return any(repeat.epochs for result in self.writer.results() for repeat in result.repeats)

    def _close(self, status: str, error: str | None = None) -> None:
        """Finish every observer, save the run with ``status`` and draw its plots."""
        assert self.writer is not None
        results = self.writer.results()
        for observer in self._observers:
            close = getattr(observer, "close", None)
            if close is None or observer is self.writer:
                continue
            _call_close(close, results)
        self.writer.finish(status, error)
        for observer in self._observers:
            draw = getattr(observer, "draw", None)
            if draw is not None:
                draw()


def _call_close(close: Any, results: list[ExperimentResult]) -> None:
    import inspect

    if inspect.signature(close).parameters:
        close(results)
    else:
        close()


def _optional_observers(run_dir: Path, experiments: list[Any]) -> list[TrainingObserver]:
    """Best-on-dev and ``--save-model`` checkpoints; minibatch dumps when an experiment asks."""
    from nnplug.checkpoints.saver import CheckpointSaver

    observers: list[TrainingObserver] = [CheckpointSaver(run_dir)]
    if any(e.options.dump_minibatches for e in experiments):
        from nnplug.dump import MinibatchDumper  # it dumps only the experiments given --dump-minibatches

        observers.append(MinibatchDumper(run_dir / "minibatches"))
    return observers
