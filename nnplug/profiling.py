"""``--profiling``: where training time goes, per phase and per layer, plus a cProfile dump.

For each profiled experiment the run directory receives ``profile-<exp>.txt``, a report in the
shape users of the C++ framework knew (full epochs, minibatches, data preparation, evaluation;
per layer the forward and backward times, sorted; the optimizer step), and
``profile-<exp>.pstats``, a cProfile dump that ``python -m pstats`` or ``snakeviz`` open.

Phases are timed by the trainer through the experiment's :class:`~nnplug.timing.PhaseClock`;
layers through the model's layer observers (:meth:`nnplug.model.Model.add_layer_observer`), so
both engines are measured the same way. A layer's backward time includes the gradients of its
parameters (engines compute both in one pass). Optimizers that update tensor by tensor (the numpy
ones) report each update (:meth:`nnplug.optimizer.Optimizer.add_update_observer`), which gives
the "apply gradients" time per layer; torch optimizers update every tensor in one call, so only
their total is shown. Nothing here runs unless ``--profiling`` is given.
"""
from __future__ import annotations

import cProfile
import marshal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from nnplug.experiment import Experiment
from nnplug.results import ExperimentResult
from nnplug.runs import safe_name, write_atomically, write_text
from nnplug.timing import DATA, EPOCH, EVALUATION, GRADIENT_CHECKS, MINIBATCH, OPTIMIZER_STEP, PhaseClock
from nnplug.trainer import RepeatContext, TrainingObserver

#: layer timings are kept apart by what the pass was for.
TRAINING, EVALUATING, CHECKING = "training", "evaluation", "gradient checks"


class LayerTimer:
    """A layer observer summing each layer's forward and backward wall time.

    Passes are attributed to training, evaluation or gradient checks from the phases running on
    ``clock`` when they happen.

    Args:
        clock: the experiment's phase clock.
    """

    def __init__(self, clock: PhaseClock) -> None:
        self.clock = clock
        self.started: dict[tuple[str, str], float] = {}
        #: seconds by (purpose, pass) then layer, e.g. totals[("training", "forward")]["L0_Dense"].
        self.totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.order: list[str] = []

    def _purpose(self) -> str:
        active = self.clock.active
        if GRADIENT_CHECKS in active:
            return CHECKING
        if EVALUATION in active:
            return EVALUATING
        return TRAINING

    def _start(self, layer: str, passage: str) -> None:
        if layer not in self.order:
            self.order.append(layer)
        self.started[(layer, passage)] = time.perf_counter()

    def _stop(self, layer: str, passage: str) -> None:
        start = self.started.pop((layer, passage), None)
        if start is not None:
            self.totals[(self._purpose(), passage)][layer] += time.perf_counter() - start

    def before_forward(self, layer: str) -> None:
        """Start timing ``layer``'s forward pass."""
        self._start(layer, "forward")

    def after_forward(self, layer: str, output: Any) -> None:
        """Stop timing ``layer``'s forward pass."""
        self._stop(layer, "forward")

    def before_backward(self, layer: str) -> None:
        """Start timing ``layer``'s backward pass."""
        self._start(layer, "backward")

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Stop timing ``layer``'s backward pass."""
        self._stop(layer, "backward")

    def parameter_updated(self, parameter: Any, seconds: float) -> None:
        """Add an optimizer's update of ``parameter`` to its layer's apply time."""
        layer = parameter.layer or parameter.name
        if layer not in self.order:
            self.order.append(layer)
        self.totals[(TRAINING, "apply")][layer] += seconds


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}ms" if seconds >= 0.01 else f"{1000 * seconds:.2f}ms"


def format_report(exp_id: str, clock: PhaseClock, layers: LayerTimer, repeats: int, engine: str = "") -> str:
    """The per-phase and per-layer timing report of one experiment, as text."""
    totals, counts, last = clock.totals, clock.counts, clock.last

    def line(label: str, phase: str, with_last: bool = False) -> str:
        total, count = totals.get(phase, 0.0), counts.get(phase, 0)
        average = total / count if count else 0.0
        text = f"    {label:<20}: total duration={_ms(total)}, average duration={_ms(average)}, count={count}"
        return text + (f", last duration={_ms(last.get(phase, 0.0))}" if with_last else "")

    engine_text = f", {engine} engine" if engine else ""
    rows = [f"Metrics report: experiment {exp_id} ({repeats} repeat{'s' if repeats != 1 else ''}{engine_text})"]
    rows.append(line("Full epoch", EPOCH, with_last=True))
    rows.append(line("Full minibatch", MINIBATCH))
    rows.append(line("Data preparation", DATA))
    rows.append(line("Evaluation", EVALUATION))
    rows.append(line("Optimizer step", OPTIMIZER_STEP))
    if counts.get(GRADIENT_CHECKS):
        rows.append(line("Gradient checks", GRADIENT_CHECKS))
    sections = [
        ((TRAINING, "forward"), "Forward pass, training (total times)"),
        ((TRAINING, "backward"), "Backward pass incl. parameter gradients (total times)"),
        ((EVALUATING, "forward"), "Forward pass, evaluation (total times)"),
    ]
    measured = False
    for key, title in sections:
        per_layer = layers.totals.get(key)
        if not per_layer:
            continue
        measured = True
        rows.append(f"    {title}")
        for layer, seconds in sorted(per_layer.items(), key=lambda item: (-item[1], layers.order.index(item[0]))):
            rows.append(f"        {_ms(seconds):>10}: {layer}")
    applied = layers.totals.get((TRAINING, "apply"))
    if applied:
        rows.append(f"    Apply gradients (optimizer step {_ms(totals.get(OPTIMIZER_STEP, 0.0))}; total times per layer)")
        for layer, seconds in sorted(applied.items(), key=lambda item: (-item[1], layers.order.index(item[0]))):
            rows.append(f"        {_ms(seconds):>10}: {layer}")
    else:
        rows.append(f"    Apply gradients (optimizer step, all layers at once): {_ms(totals.get(OPTIMIZER_STEP, 0.0))}")
    if not measured:
        rows.append("    (the model reports no layers to its layer observers: no per-layer times)")
    layer_sum = sum(sum(v.values()) for k, v in layers.totals.items() if k[0] == TRAINING and k[1] != "apply") + totals.get(OPTIMIZER_STEP, 0.0)
    rows.append(
        f"    Layers + optimizer step: {_ms(layer_sum)} of {_ms(totals.get(MINIBATCH, 0.0))} spent in minibatches; "
        f"the rest of the epochs ({_ms(max(0.0, totals.get(EPOCH, 0.0) - totals.get(MINIBATCH, 0.0)))}) went to data preparation and evaluation"
    )
    return "\n".join(rows) + "\n"


class Profiler(TrainingObserver):
    """Times the experiments run with ``--profiling`` and writes their reports and cProfile dumps.

    Args:
        directory: the run directory.
        echo: called with each report's text (printing it), or None.
    """

    def __init__(self, directory: Path, echo: Any = None) -> None:
        self.directory = Path(directory)
        self.echo = echo
        self.profile: cProfile.Profile | None = None
        self.layers: LayerTimer | None = None
        self.clock: PhaseClock | None = None
        self.engine = ""
        self.written: list[Path] = []

    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """Start cProfile for a profiled experiment."""
        self.clock = self.layers = None
        if experiment.options.profiling:
            self.profile = cProfile.Profile()
            self.profile.enable()

    def repeat_started(self, context: RepeatContext) -> None:
        """Attach the layer timer to the repeat's model."""
        if not isinstance(context.clock, PhaseClock):
            return
        if self.clock is not context.clock:
            self.clock = context.clock
            self.layers = LayerTimer(context.clock)
        self.engine = getattr(context.model, "engine", "")
        context.model.add_layer_observer(self.layers)
        context.optimizer.add_update_observer(self.layers.parameter_updated)

    def repeat_finished(self, context: RepeatContext) -> None:
        """Detach the layer timer."""
        if self.layers is not None and self.layers in context.model.layer_observers:
            context.model.remove_layer_observer(self.layers)
        if self.layers is not None and self.layers.parameter_updated in context.optimizer.update_observers:
            context.optimizer.remove_update_observer(self.layers.parameter_updated)

    def experiment_finished(self, result: ExperimentResult) -> None:
        """Write the report and the cProfile dump."""
        self.write(result.exp_id, len(result.repeats))

    def close(self, results: list[ExperimentResult]) -> None:
        """Write the files of an experiment cut short (Ctrl-C): its last entry in ``results``."""
        if self.profile is not None and results:
            self.write(results[-1].exp_id, len(results[-1].repeats))

    def write(self, exp_id: str, repeats: int) -> None:
        """Stop cProfile and write this experiment's files (also called on interruption)."""
        if self.profile is None:
            return
        self.profile.disable()
        name = safe_name(exp_id)
        dump = self.directory / f"profile-{name}.pstats"
        profile = self.profile
        self.profile = None
        profile.create_stats()
        write_atomically(dump, lambda handle: handle.write(marshal.dumps(profile.stats)), binary=True)
        self.written.append(dump)
        if self.clock is not None and self.layers is not None:
            report = format_report(exp_id, self.clock, self.layers, repeats, self.engine)
            path = self.directory / f"profile-{name}.txt"
            write_text(path, report)
            self.written.append(path)
            if self.echo is not None:
                self.echo(report.rstrip())
