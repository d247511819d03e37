"""One ``bin/train`` invocation: the trainer plus everything that watches it.

The session creates the run directory, wires the observers (terminal output, saved run, plots,
tracked parameters, samples, profiling, checkpoints, minibatch dumps, live window) and makes sure
that however training ends (normally, Ctrl-C, error) the run directory is complete up to the last
finished epoch.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from nnplug import interrupts
from nnplug.cli.arguments import ParsedCommand
from nnplug.cli.errors import disk_error_line, one_line
from nnplug.errors import NnplugError
from nnplug.files import check_writable, shown_name, writable_error
from nnplug.progress import EpochPrinter, ProgressBars, is_terminal
from nnplug.registry import Registry
from nnplug.results import ExperimentResult
from nnplug.runs import RunWriter, create_run_directory
from nnplug.executor import Executor
from nnplug.threads import resolve_threads
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
        self._check_outputs()  # a trained model must not be lost to a path that cannot be written
        self._executor = self._prepare_executor()  # bad executor options or cluster: nothing written yet
        try:
            return self._run(self._executor)
        finally:
            self._executor.close()

    def _check_outputs(self) -> None:
        """Write and remove a real probe where the run and every ``--save-model`` will be written.

        Raises:
            NnplugError: a folder cannot be created or written (a regular file in the way, read-only,
                full), or a ``--save-model`` target is a folder or a read-only file.
        """
        folders = {Path(self.command.global_options.runs_dir): "the runs directory"}
        for experiment in self.command.experiments:
            target = experiment.options.save_model
            if target is None:
                continue
            target = Path(target)
            if target.is_dir() or (target.exists() and not os.access(target, os.W_OK)):
                raise NnplugError(f"cannot write --save-model {shown_name(target)}: " + ("it is a folder" if target.is_dir() else "the file is read-only"))
            folders.setdefault(target.parent, "the --save-model folder")
        for folder, what in folders.items():
            try:
                check_writable(folder)
            except OSError as err:
                raise NnplugError(writable_error(folder, err, what)) from None

    def _prepare_executor(self) -> Executor:
        """The selected executor, prepared (options checked, cluster reached)."""
        name = self.command.global_options.executor
        executor: Executor = self.registry.create("executor", name, self.command.executor_options)
        resolve_threads(self.command.experiments, executor.trial_threads())  # recorded in run.json: replays use the same
        if not executor.in_process:
            check_parallel(self.command.experiments, self.command.global_options.display_graphs, name)
        executor.prepare(self.command.experiments)
        return executor

    def _run(self, executor: Executor) -> int:
        try:
            self._observers = self.observers()
            study = Study(self.registry, self.command.experiments, self._observers, self.run_dir)
            executor.run(study)
            self.results = study.results()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (nnplug.interrupts): save, then say where
            self._interrupted()
        except NnplugError as err:
            with interrupts.deferred():
                if self.writer is None or not self._trained_any_epoch():
                    # bad input found before training (missing dataset, bad --resize...): no run to keep
                    self._remove_run_directory()
                    raise
                self._close("failed", f"{err}")
                raise NnplugError(f"{err} (run saved in {self.run_dir}, {self._progress()})") from None
        except OSError as err:
            line = disk_error_line(err)
            if line is None or self.writer is None:
                self._fail(f"{type(err).__name__}: {err}")
                raise
            with interrupts.deferred():  # a full disk: keep what was written, say so in one line
                self._close("failed", line)
                raise NnplugError(f"{line} (run saved in {self.run_dir}, {self._progress()})") from None
        except BaseException as err:
            if interrupts.received() is not None and not isinstance(err, SystemExit):
                self._interrupted()  # e.g. an ImportError a signal caused inside a C extension
            self._fail(f"{type(err).__name__}: {err}")
            raise
        failures = study.failure_line()
        if failures:  # the other trials went on; the command says which failed
            self._close("failed", failures)
            click.echo(f"train: error: {failures} (run saved in {self.run_dir})", err=True)
            return 1
        self._close("finished")
        click.echo(f"Run saved in {self.run_dir}")
        return 0

    def _interrupted(self) -> None:
        """Save the run as ``interrupted`` (plots drawn), then raise the KeyboardInterrupt saying where it is."""
        with interrupts.deferred():
            if self.writer is None:  # stopped while the run directory was being set up: nothing to keep
                self._remove_run_directory()
                raise KeyboardInterrupt("before training started, nothing saved") from None
            self._close("interrupted")
            raise KeyboardInterrupt(f"run saved in {self.run_dir} ({self._progress()})") from None

    def _fail(self, error: str) -> None:
        """Close the run as ``failed`` after an unexpected error (the error itself is re-raised by the caller)."""
        with interrupts.deferred():
            if self.writer is None:
                self._remove_run_directory()
            else:
                self._close("failed", error)

    def _progress(self) -> str:
        """``up to experiment a, repeat 1, epoch 7`` or ``no epoch finished``, for the last line."""
        assert self.writer is not None
        where = self.writer.last_epoch()
        return where if where.startswith("no ") else f"up to {where}"

    def _remove_run_directory(self) -> None:
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def _trained_any_epoch(self) -> bool:
        assert self.writer is not None
        return any(repeat.epochs for result in self.writer.results() for repeat in result.repeats)

    def _close(self, status: str, error: str | None = None) -> None:
        """Finish every observer, save the run with ``status`` and draw its plots.

        When the run already failed or was interrupted, an observer failing to close (a full disk,
        a plot that cannot be drawn) is logged in one line and the others still close: the saved
        status must not be lost to a second error (nor the first error to a chained traceback).
        """
        assert self.writer is not None
        results = self.writer.results()
        steps: list[Any] = []
        for observer in self._observers:
            close = getattr(observer, "close", None)
            if close is not None and observer is not self.writer:
                steps.append(lambda close=close: _call_close(close, results))
        steps.append(lambda: self.writer.finish(status, error))
        for observer in self._observers:
            draw = getattr(observer, "draw", None)
            if draw is not None:
                steps.append(draw)
        for step in steps:
            if status == "finished":
                step()
                continue
            try:
                step()
            except Exception as err:  # noqa: BLE001 - see the docstring
                full = isinstance(err, OSError) and disk_error_line(err)
                # a full disk is already the command's one error line; anything else is worth a warning
                logging.getLogger("nnplug.session").log(
                    logging.DEBUG if full else logging.WARNING, "while saving the %s run: %s", status, full or one_line(f"{type(err).__name__}: {err}")
                )


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
